"""A function's own log group: it expires, it goes with the stack, and only that function writes to it.

Without one, Lambda creates ``/aws/lambda/<function>`` on first use, with no retention,
and it outlives ``pulumi destroy``. The grant names the group's ARN, in place of the
managed AWSLambdaBasicExecutionRole and its ``Resource: *``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from maintenance_gate_pulumi import policies

# The retention periods CloudWatch Logs accepts (PutRetentionPolicy); "never expire" is not offered.
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
DEFAULT_LOG_RETENTION_DAYS = 30
# Lambda writes with the function's role: it creates a stream per execution environment.
WRITE_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


class LogRetentionError(ValueError):
    """Raised when a log retention is not one of the periods CloudWatch Logs accepts."""


def check_log_retention(days: int, source: str) -> int:
    if days not in LOG_RETENTION_DAYS:
        raise LogRetentionError(
            f"{source} must be one of {', '.join(map(str, LOG_RETENTION_DAYS))} days (got {days!r})"
        )
    return days


@dataclass(frozen=True)
class FunctionLogs:
    group: aws.cloudwatch.LogGroup
    grant: aws.iam.RolePolicy

    def logging_config(self) -> aws.lambda_.FunctionLoggingConfigArgs:
        """Pass as the function's ``logging_config``, so Lambda writes here and nowhere else."""
        return aws.lambda_.FunctionLoggingConfigArgs(log_format="Text", log_group=self.group.name)


def function_logs(
    name: str, role: aws.iam.Role, *, retention_days: int, opts: pulumi.ResourceOptions | None = None
) -> FunctionLogs:
    """A log group for the function called ``name``, and ``role``'s grant to write to it alone."""
    check_log_retention(retention_days, "retention_days")
    group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        # Under /aws/lambda/ where people look for a function's logs; the provider adds
        # a unique suffix, so two stacks never share a group.
        name_prefix=f"/aws/lambda/{name}-",
        retention_in_days=retention_days,
        opts=opts,
    )
    # The group's ARN for CreateLogStream, its streams (":*") for PutLogEvents.
    streams = group.arn.apply(lambda arn: f"{arn}:*")
    grant = aws.iam.RolePolicy(
        f"{name}-write-logs",
        role=role.id,
        policy=policies.document(policies.allow("WriteOwnLogs", WRITE_ACTIONS, [group.arn, streams])),
        opts=opts,
    )
    return FunctionLogs(group=group, grant=grant)
