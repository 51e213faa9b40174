"""Who called, and what that caller needs to hear inside a window: an answer, a refusal, or a stored event.

Loaded with the first invocation that meets a window, never on the hot path.
"""
