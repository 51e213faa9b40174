"""A durable function written with AWS's Durable Execution SDK, run under the emulator.

Each step's body appends one line to PROBE_RECEIVED_FILE, so a test can count how
many times each step really ran (a replayed step is not run again).
"""

from __future__ import annotations

import json
import os
from typing import Any

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution, durable_step


def _effect(name: str) -> None:
    with open(os.environ["PROBE_RECEIVED_FILE"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"step": name}) + "\n")


@durable_step
def charge(_step: StepContext, order: str) -> str:
    _effect(f"charge {order}")
    return f"charged {order}"


@durable_step
def ship(_step: StepContext, order: str) -> str:
    _effect(f"ship {order}")
    return f"shipped {order}"


@durable_execution
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, str]:
    charged = context.step(charge(event["order"]))
    shipped = context.step(ship(event["order"]))
    return {"charged": charged, "shipped": shipped}
