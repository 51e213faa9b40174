"""The replayer function: ``gate.replay.handler.handler``, run on a schedule.

Each run drains the pending records of the functions in GATE_REPLAY_FUNCTIONS while
the gate is live for them, with GATE_REPLAY_CONCURRENCY workers (each keeping
deferral order within its share of the queue's shards) at GATE_REPLAY_RATE events
per second in all, and every worker stops taking records GATE_REPLAY_MARGIN_SECONDS
before the function's timeout; the rest waits for the next run. Failed records (and
partially failed batches) stay failed until an operator replays them.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from gate import telemetry
from gate.aws import ClientFactory, ssm_client, store_client
from gate.replay.config import ReplayerConfig
from gate.replay.engine import ReplayOptions
from gate.replay.errors import ReplayRefusedError, WindowUnavailableError
from gate.replay.factory import Resources, build_replay
from gate.replay.guard import ensure_live
from gate.replay.invoke import Invoker

if TYPE_CHECKING:
    from gate.types import LambdaContext

_config: ReplayerConfig | None = None


def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    global _config  # noqa: PLW0603 - read once per execution environment, like the gate's own config
    if _config is None:
        _config = ReplayerConfig.from_env()
    return drain(_config, context)


def drain(
    config: ReplayerConfig,
    context: LambdaContext,
    *,
    client_factory: ClientFactory = store_client,
    ssm: Any = None,
    invoker: Invoker | None = None,
) -> dict[str, Any]:
    """Replay each configured function in turn until done or out of time; a summary per function."""
    margin_ms = config.margin_seconds * 1000

    def out_of_time() -> bool:
        return bool(context.get_remaining_time_in_millis() < margin_ms)

    ssm = ssm or ssm_client()
    resources = Resources(config.parameter_name, config.table_name, config.overflow_bucket)
    results: dict[str, Any] = {}
    for function_name in config.functions:
        if out_of_time():
            results[function_name] = {"function": function_name, "stopped": "time budget used before it started"}
            continue
        try:
            ensure_live(ssm, config.parameter_name, function_name, datetime.now(timezone.utc))
        except (ReplayRefusedError, WindowUnavailableError) as exc:
            results[function_name] = {"function": function_name, "stopped": str(exc)}
            telemetry.log("replay not started", function=function_name, reason=str(exc))
            continue
        options = ReplayOptions(
            function_name,
            concurrency=config.concurrency,
            rate_per_second=config.rate_per_second,
            lease_seconds=config.lease_seconds,
            retention_days=config.retention_days,
        )
        replay = build_replay(
            resources,
            options,
            client_factory=client_factory,
            invoker=invoker,
            owner=f"replayer/{context.aws_request_id}",
            should_stop=out_of_time,
        )
        summary = replay.run()
        results[function_name] = summary.to_dict()
        telemetry.log("replay finished", **summary.to_dict())
        telemetry.metric("Replayed", summary.replayed, FunctionName=function_name)
        telemetry.metric("ReplayFailures", summary.failed, FunctionName=function_name)
        # Batches whose function reported item failures: their failed items wait for an operator.
        telemetry.metric("ReplayPartialFailures", summary.partial, FunctionName=function_name)
    return {"functions": results, "ok": all(result.get("ok", True) for result in results.values())}
