"""Exactly-once delivery, checked so that a failure says which half of it broke.

A replay test compares what was sent with what reached the function. Asserting on the
runs' exit codes or summaries first hides the cause when a claim was won twice: "exit
status 1" says less than "req-0042 delivered twice". So the concurrent replay tests
call ``delivery_faults`` first and assert it is empty.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from typing import Any


def delivery_faults(sent: Iterable[Hashable], delivered: Iterable[Hashable]) -> dict[str, Any]:
    """What breaks exactly-once delivery: events never delivered, delivered more than once, or never sent.

    ``sent`` and ``delivered`` identify events the same way (request ids, or canonical
    JSON). Empty when every event sent was delivered exactly once and nothing else was.
    """
    # iter(): a mapping's keys are its events (Counter would read its values as counts).
    expected = Counter(iter(sent))
    received = Counter(iter(delivered))
    faults: dict[str, Any] = {
        "missing": sorted(str(event) for event, count in expected.items() if received[event] < count),
        "delivered more than once": {
            str(event): count for event, count in received.items() if event in expected and count > expected[event]
        },
        "never sent": sorted(str(event) for event in received.keys() - expected.keys()),
    }
    return {name: fault for name, fault in faults.items() if fault}
