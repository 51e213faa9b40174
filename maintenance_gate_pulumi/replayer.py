"""Automatic replay (optional): a function that drains the gated functions' pending records on a schedule.

Its handler, ``gate.replay.handler.handler``, ships in the gate's layer, so its own code
archive only has to exist. Its role may invoke the gated functions and touch the
table, its queue index, the parameter and the overflow prefix, and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from gate.deferral import table as schema
from maintenance_gate_pulumi import policies
from maintenance_gate_pulumi.component import MaintenanceGate
from maintenance_gate_pulumi.logs import DEFAULT_LOG_RETENTION_DAYS, check_log_retention
from maintenance_gate_pulumi.naming import MAX_PREFIX_LENGTH, check_prefix
from maintenance_gate_pulumi.replay_timing import DEFAULT_RUN_SECONDS, ReplayTiming, replay_timing
from maintenance_gate_pulumi.roles import lambda_execution_role
from maintenance_gate_pulumi.schedule import invoke_on_schedule

TYPE_TOKEN = "maintenance-gate:index:GateReplayer"
HANDLER = "gate.replay.handler.handler"
# Leaves room for "-schedule-role" within the IAM role name limit (see maintenance_gate_pulumi/naming.py).
MAX_NAME_LENGTH = MAX_PREFIX_LENGTH + len("-replayer")
MAX_CONCURRENCY = 16


@dataclass(frozen=True)
class GateReplayerArgs:
    gate: MaintenanceGate
    functions: Sequence[aws.lambda_.Function]
    rate: int = 10  # events per second, across all functions
    runtime: str = "python3.12"
    architecture: str = "arm64"
    # How long a run takes records; its timeout adds the margin, derived from the
    # gated functions' timeouts (see replay_timing.py), and so does its schedule.
    run_seconds: int = DEFAULT_RUN_SECONDS
    # Records in flight at once within a run (GATE_REPLAY_CONCURRENCY); the rate still caps the total.
    concurrency: int = 1
    memory: int = 256
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS

    def __post_init__(self) -> None:
        if not self.functions:
            raise ValueError("GateReplayerArgs.functions must name at least one gated function")
        if self.rate < 1:
            raise ValueError(f"GateReplayerArgs.rate must be at least 1 event per second (got {self.rate!r})")
        check_log_retention(self.log_retention_days, "GateReplayerArgs.log_retention_days")
        if not 1 <= self.concurrency <= MAX_CONCURRENCY:
            raise ValueError(
                f"GateReplayerArgs.concurrency must be from 1 to {MAX_CONCURRENCY} (got {self.concurrency!r})"
            )
        replay_timing([], self.run_seconds)  # run_seconds checked now; the timeouts once they are known


class GateReplayer(pulumi.ComponentResource):
    function: aws.lambda_.Function
    schedule: aws.scheduler.Schedule

    def __init__(self, name: str, args: GateReplayerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_prefix(name, "GateReplayer", MAX_NAME_LENGTH)
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        gate = args.gate

        execution = lambda_execution_role(name, log_retention_days=args.log_retention_days, opts=child)
        access = aws.iam.RolePolicy(f"{name}-access", role=execution.role.id, policy=_policy(args), opts=child)
        # Known once the gated functions' timeouts are (at preview for a new function).
        self.timing: pulumi.Output[ReplayTiming] = pulumi.Output.all(
            *[function.timeout for function in args.functions]
        ).apply(lambda timeouts: replay_timing(timeouts, args.run_seconds))
        self.function = aws.lambda_.Function(
            name,
            role=execution.role.arn,
            runtime=args.runtime,
            architectures=[args.architecture],
            handler=HANDLER,
            code=pulumi.AssetArchive(
                {"README.txt": pulumi.StringAsset(f"{HANDLER} ships in the maintenance-gate layer.\n")}
            ),
            layers=[gate.layer_arn],
            memory_size=args.memory,
            timeout=self.timing.apply(lambda timing: timing.timeout_seconds),
            logging_config=execution.logs.logging_config(),
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={
                    "GATE_PARAMETER_NAME": gate.parameter_name,
                    "GATE_TABLE_NAME": gate.table_name,
                    "GATE_OVERFLOW_BUCKET": gate.bucket_name,
                    "GATE_REPLAY_FUNCTIONS": pulumi.Output.all(*[function.name for function in args.functions]).apply(
                        ",".join
                    ),
                    "GATE_REPLAY_RATE": str(args.rate),
                    "GATE_RETENTION_DAYS": str(gate.retention_days),
                    "GATE_REPLAY_CONCURRENCY": str(args.concurrency),
                    "GATE_REPLAY_MARGIN_SECONDS": self.timing.apply(lambda timing: str(timing.margin_seconds)),
                    "GATE_REPLAY_LEASE_SECONDS": self.timing.apply(lambda timing: str(timing.lease_seconds)),
                }
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access, *execution.grants]),
        )
        self.schedule = invoke_on_schedule(
            f"{name}-schedule",
            self.function,
            expression=self.timing.apply(lambda timing: timing.schedule_expression),
            timezone="UTC",
            enabled=True,
            opts=child,
        )
        self.function_name: pulumi.Output[str] = self.function.name
        self.register_outputs({"functionName": self.function_name, "scheduleName": self.schedule.name})


def _policy(args: GateReplayerArgs) -> pulumi.Output[str]:
    gate = args.gate
    return policies.document(
        policies.allow("InvokeGatedFunctions", ["lambda:InvokeFunction"], [f.arn for f in args.functions]),
        policies.allow(
            "ReadPendingQueue",
            ["dynamodb:Query"],
            [gate.table.arn.apply(lambda arn: f"{arn}/index/{schema.QUEUE_INDEX}")],
        ),
        # gate/replay: leases and outcomes are conditional UpdateItems; it never puts or deletes.
        policies.allow("LeaseAndFinishRecords", ["dynamodb:GetItem", "dynamodb:UpdateItem"], [gate.table.arn]),
        policies.allow("ReadMaintenanceWindow", ["ssm:GetParameter"], [gate.parameter.arn]),
        # Oversized events are read and removed; a partial batch failure's list of failed items,
        # when too long for the record, is written there too (gate/replay/events.py).
        policies.allow(
            "KeepReadAndRemoveOverflowObjects",
            ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            [policies.objects_under(gate.bucket.arn, schema.OVERFLOW_PREFIX)],
        ),
    )
