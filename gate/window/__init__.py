"""Reading the window document: one signed GetParameter with the standard library only.

Nothing here imports botocore, so a function that never imports boto3 itself does not
pay ~80 ms of its cold start for the gate's one read.
"""
