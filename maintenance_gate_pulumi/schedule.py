"""An EventBridge Scheduler schedule that invokes one Lambda function, with a role that may do only that."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from maintenance_gate_pulumi import policies


def invoke_on_schedule(
    name: str,
    function: aws.lambda_.Function,
    *,
    expression: pulumi.Input[str],
    timezone: str,
    enabled: bool,
    payload: Mapping[str, Any] | None = None,
    opts: pulumi.ResourceOptions | None = None,
) -> aws.scheduler.Schedule:
    """Invoke ``function`` with ``payload`` on ``expression``, read in ``timezone``.

    Off keeps the schedule (state DISABLED) so switching it back on changes one field
    and the stack's outputs stay the same.
    """
    # Only schedules of this account may assume the role (Scheduler's own set-up guide).
    account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=opts.parent if opts else None))
    role = aws.iam.Role(
        f"{name}-role",
        assume_role_policy=policies.assume_role(policies.SCHEDULER_SERVICE, source_account=account.account_id),
        opts=opts,
    )
    invoke = aws.iam.RolePolicy(
        f"{name}-invoke",
        role=role.id,
        policy=policies.document(policies.allow("InvokeTarget", ["lambda:InvokeFunction"], [function.arn])),
        opts=opts,
    )
    return aws.scheduler.Schedule(
        name,
        schedule_expression=expression,
        schedule_expression_timezone=timezone,
        flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
        state="ENABLED" if enabled else "DISABLED",
        target=aws.scheduler.ScheduleTargetArgs(
            arn=function.arn, role_arn=role.arn, input=json.dumps(dict(payload or {}), sort_keys=True)
        ),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[invoke])),
    )
