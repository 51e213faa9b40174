"""The operator CLI (click and rich). Excluded from the layer by layer/build.py."""
