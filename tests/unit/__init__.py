"""Fast, in-process tests of one component (no subprocesses, servers or browsers)."""
