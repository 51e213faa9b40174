"""maintenance-gate: put an AWS Lambda function into maintenance without a redeploy.

Importing the package imports nothing else: the Lambda path loads only
``gate.entry`` and what it needs.
"""

__version__ = "0.1.0"
