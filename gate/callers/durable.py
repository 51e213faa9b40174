"""Lambda durable functions inside a window: the execution waits in the durable service; nothing is stored.

The durable execution service invokes a durable function with an envelope
(``DurableExecutionArn``, ``CheckpointToken``, ``InitialExecutionState``) and reads
only the durable output envelope back (``{"Status": "SUCCEEDED" | "FAILED" |
"PENDING", ...}``). What it does with each answer (docs/triggers.md, "Durable
functions", cites the SDK's source):

- any other answer (``{"deferred": true}``) is an invalid output: the execution fails;
- a failed invocation is retried, but only a few times in a row before the
  execution fails, so it cannot hold an execution through a long window;
- PENDING is accepted only while an operation is pending (a wait, a callback, a
  step's retry timer); with none, it is invalid too.

So the gate makes the operation the execution waits on: one durable wait, started
with this invocation's own checkpoint token, lasting until the window ends (at most
``HOLD_MAX_SECONDS``, so a window closed early holds no one for long), and answers
PENDING. The service invokes the function again when the wait is over; the
function's code has not run, so no step of it runs twice. If the checkpoint fails,
the invocation fails (``MaintenanceWindowError``) and the service retries it.
"""

from __future__ import annotations

import hashlib
from typing import Any

HOLD_NAME = "maintenance-gate"
"""The name the gate's waits carry in the execution's history."""
HOLD_MAX_SECONDS = 300
PENDING: dict[str, str] = {"Status": "PENDING"}


def hold_seconds(retry_after: int | None) -> int:
    """How long the execution waits: until the window's end, if known, and at most HOLD_MAX_SECONDS."""
    return HOLD_MAX_SECONDS if retry_after is None else max(1, min(retry_after, HOLD_MAX_SECONDS))


def hold_id(checkpoint_token: str) -> str:
    """The wait's operation id: one per invocation, in the SDKs' own id form (64 hex digits), never one of theirs.

    The SDKs hash a step's position ("1", "1-2"); this hashes a prefix and the token.
    """
    return hashlib.blake2b(f"{HOLD_NAME}:{checkpoint_token}".encode()).hexdigest()[:64]


def checkpoint_hold(lambda_client: Any, event: dict[str, Any], seconds: int, request_id: str) -> None:
    """Start the durable wait with the invocation's checkpoint token (CheckpointDurableExecution)."""
    token = event["CheckpointToken"]
    lambda_client.checkpoint_durable_execution(
        DurableExecutionArn=event["DurableExecutionArn"],
        CheckpointToken=token,
        # An idempotency token: a retried request after a lost answer is the same checkpoint.
        ClientToken=request_id[:64],
        Updates=[
            {
                "Id": hold_id(token),
                "Type": "WAIT",
                "SubType": "Wait",
                "Action": "START",
                "Name": HOLD_NAME,
                "WaitOptions": {"WaitSeconds": seconds},
            }
        ],
    )
