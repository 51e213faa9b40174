"""Local stand-ins for AWS: a moto server and the Lambda Runtime Interface Emulator.

Operator-only (the demo, the sandbox, the tests); never shipped in the layer.
"""
