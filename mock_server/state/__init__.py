"""State as documents: the fixture format, exporting the live state, the state file."""
