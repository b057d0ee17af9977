"""Unit tests: the pure domain and the renderer, no HTTP (a package, so basenames may repeat)."""
