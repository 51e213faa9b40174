"""The maintenance-gate stack: the gate, a sample function behind it, and a schedule that calls it."""

import pulumi
import pulumi_aws as aws

from maintenance_gate_pulumi import GateReplayer, GateReplayerArgs, MaintenanceGate, MaintenanceGateArgs
from maintenance_gate_pulumi.naming import stack_prefix
from maintenance_gate_pulumi.sample import nodejs_sample_function, sample_function
from maintenance_gate_pulumi.schedule import invoke_on_schedule
from maintenance_gate_pulumi.settings import load_settings
from maintenance_gate_pulumi.throughput import parameter_high_throughput

settings = load_settings()
prefix = stack_prefix(pulumi.get_project(), pulumi.get_stack())

gate = MaintenanceGate(
    prefix,
    MaintenanceGateArgs(
        initial_window=settings.initial_window,
        cache_ttl_seconds=settings.cache_ttl_seconds,
        fail_mode=settings.fail_mode,
        on_defer=settings.on_defer,
        on_http=settings.on_http,
        on_ordered=settings.on_ordered,
        retention_days=settings.retention_days,
        protect_data=settings.protect_data,
    ),
)
function = sample_function(f"{prefix}-sample", gate, settings)
schedule = invoke_on_schedule(
    f"{prefix}-schedule",
    function,
    expression=settings.schedule_expression,
    timezone=settings.schedule_timezone,
    enabled=settings.schedule_enabled,
    payload={"source": "maintenance-gate.window.decide"},
)

pulumi.export("functionName", function.name)
pulumi.export("functionArn", function.arn)
pulumi.export("layerArn", gate.layer_arn)
pulumi.export("parameterName", gate.parameter_name)
pulumi.export("tableName", gate.table_name)
pulumi.export("bucketName", gate.bucket_name)
pulumi.export("scheduleName", schedule.name)
# The provider's region, however it was set: `python -m gate ... --stack` talks to it.
pulumi.export("region", aws.get_region_output().region)

if settings.nodejs_sample:
    # Beside the Python one, behind the same gate: the layer's Runtime API proxy gates it.
    nodejs_function = nodejs_sample_function(f"{prefix}-nodejs-sample", gate, settings)
    pulumi.export("nodejsFunctionName", nodejs_function.name)

if settings.parameter_high_throughput:
    # Account-wide in this region, and billed: off unless the stack config asks for it.
    parameter_high_throughput(prefix)

if settings.replayer_enabled:
    replayer = GateReplayer(
        f"{prefix}-replayer",
        GateReplayerArgs(
            gate=gate,
            functions=[function],
            rate=settings.replayer_rate,
            concurrency=settings.replayer_concurrency,
            runtime=settings.runtime,
            architecture=settings.architecture,
            log_retention_days=settings.log_retention_days,
        ),
    )
    pulumi.export("replayerName", replayer.function_name)
