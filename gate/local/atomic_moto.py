"""moto's server, with each DynamoDB request applied whole before the next, as DynamoDB applies a write to an item.

moto 5.2.5's server handles each request on its own thread, and its DynamoDB backend
reads an item, checks the request's condition against it, then changes the item in
place, holding nothing in between. Two conditional writes to one item can therefore
both pass their check: eight threads racing one conditional update gave two winners
in 1 of 40 trials. DynamoDB applies each write to an item atomically, condition
included, and the gate's guarantees (one record per request id, one replayer per
record) rest on that.

So every DynamoDB request takes one lock for its whole handling: parsing, the
backend's read-check-write, and writing the answer (an ``ALL_NEW`` answer is read
from the item after the write). Reads take it too, because moto changes items in
place: an unlocked read could see half an update. One lock rather than one per table,
because a transaction or a batch can span tables; the server's threads share one
interpreter lock anyway, so little concurrency is lost.

Run as ``python -m gate.local.atomic_moto`` with moto.server's own arguments;
``gate.local.servers.MotoServer`` does. Operator and test code only: never shipped.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from typing import Any

_DYNAMODB_REQUESTS = threading.Lock()
_ATOMIC_MARK = "_gate_applied_one_at_a_time"


def make_dynamodb_requests_atomic() -> None:
    """Wrap moto's DynamoDB request handling in one lock (idempotent)."""
    from moto.dynamodb.responses import DynamoHandler

    call_action: Callable[[Any], Any] = DynamoHandler.call_action
    if getattr(call_action, _ATOMIC_MARK, False):
        return

    @functools.wraps(call_action)
    def one_at_a_time(self: Any) -> Any:
        with _DYNAMODB_REQUESTS:
            return call_action(self)

    setattr(one_at_a_time, _ATOMIC_MARK, True)
    DynamoHandler.call_action = one_at_a_time  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> None:
    make_dynamodb_requests_atomic()
    from moto.server import main as serve

    serve(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
