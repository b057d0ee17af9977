"""Scale tests: the domain over large ranges and many owned numbers, checked by brute force."""
