"""IAM policy documents built as data, each statement naming exact ARNs.

Documents are plain dicts whose leaves may be Outputs; ``document`` turns them into
the JSON string IAM wants through ``Output.json_dumps``, so no policy is ever a
hand-written JSON string.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

VERSION = "2012-10-17"
LAMBDA_SERVICE = "lambda.amazonaws.com"
SCHEDULER_SERVICE = "scheduler.amazonaws.com"

Statement = dict[str, Any]


def allow(sid: str, actions: Sequence[str], resources: Sequence[pulumi.Input[str]]) -> Statement:
    """An Allow statement; refuses wildcards so least privilege cannot erode by accident."""
    for action in actions:
        if "*" in action:
            raise ValueError(f"IAM action {action!r} has a wildcard; name the exact action")
    if not resources:
        raise ValueError("an IAM statement needs at least one resource ARN")
    for resource in resources:
        if resource == "*":
            raise ValueError("IAM resource '*' is not allowed; name the exact ARN")
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": list(resources)}


def document(*statements: Statement) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": VERSION, "Statement": list(statements)})


def assume_role(service: str, source_account: pulumi.Input[str] | None = None) -> pulumi.Output[str]:
    """Trust policy letting one AWS service principal assume a role, for ``source_account`` only if given.

    The condition stops the service from assuming the role on behalf of a resource in
    another account (the confused deputy).
    """
    statement: Statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if source_account is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return document(statement)


def tls_only_bucket(bucket_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """Deny every S3 request to the bucket and its objects that does not use TLS."""
    bucket = pulumi.Output.from_input(bucket_arn)
    return document(
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": [bucket, bucket.apply(lambda arn: f"{arn}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )


def objects_under(bucket_arn: pulumi.Input[str], prefix: str) -> pulumi.Output[str]:
    """The ARN pattern of the objects under ``prefix`` (which ends in ``/``)."""
    return pulumi.Output.from_input(bucket_arn).apply(lambda arn: f"{arn}/{prefix}*")
