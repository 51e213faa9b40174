"""Keeping an event for later: encode it, store it durably (DynamoDB, S3 when large), and mark replays.

Loaded with the first deferral, never on the hot path of an environment that does not defer.
"""
