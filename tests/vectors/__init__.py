"""Shared test vectors: the Python gate's answers, read by the Python and the Go tests alike."""
