"""The Lambda layer: the exec wrapper and the deterministic archive builder."""
