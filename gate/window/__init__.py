"""The maintenance window: the document and its one parser, the decision, the cache, and the read.

The read (``reader``, ``sigv4``, ``transport``, ``credentials``) is one signed
GetParameter with the standard library only, so a function that never imports boto3
itself does not pay for botocore in its cold start.
"""
