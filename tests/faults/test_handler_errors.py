"""The function's own handler raising: the caller sees exactly what it would see without the gate.

In process here; under the emulator, tests/e2e/test_gate_under_emulator.py::
test_a_handler_error_reaches_the_caller_unchanged compares the runtime's answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from gate.config import FailMode
from gate.deferral.store import DeferredEventStore
from tests.faults.support import LIVE, gate_for, lambda_context


class OrderRejectedError(Exception):
    def __init__(self, order: int) -> None:
        super().__init__(f"order {order} rejected")
        self.order = order


def no_store(service: str) -> Any:
    raise AssertionError(f"the gate created a {service} client although it was not deferring")


ERRORS: dict[str, Callable[[], BaseException]] = {
    "value-error": lambda: ValueError("handler refused 8 bytes"),
    "custom-error-with-attributes": lambda: OrderRejectedError(17),
    "key-error": lambda: KeyError("missing"),
    "recursion-error": lambda: RecursionError("maximum recursion depth exceeded"),
    "system-exit": lambda: SystemExit(3),
}

DOCUMENTS = {
    "live": LIVE,
    "auto-outside-every-window": '{"windows": [{"start": "2000-01-01T00:00:00Z", "end": "2000-01-02T00:00:00Z"}]}',
    "ssm-failing-with-fail-mode-live": None,
}


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("error", ERRORS)
def test_a_handler_error_is_raised_unchanged(error: str, document: str) -> None:
    raised: list[BaseException] = []

    def handler(event: Any, context: Any) -> Any:
        raised.append(ERRORS[error]())
        raise raised[-1]

    text = DOCUMENTS[document]

    def fetch() -> str:
        if text is None:
            raise ConnectionError("SSM unreachable")
        return text

    store = DeferredEventStore("unused", None, inline_limit_bytes=1024, client_factory=no_store)
    gate = gate_for(store, fetch, handler, fail_mode=FailMode.LIVE)
    event = {"n": 1}

    # WHEN the handler raises, without the gate and with it
    with pytest.raises(BaseException) as ungated:
        handler(event, lambda_context("req-ungated"))
    with pytest.raises(BaseException) as gated:
        gate(event, lambda_context(f"req-{uuid.uuid4()}"))

    # THEN the handler's own exception object reaches the caller, unwrapped and unchained:
    # the same type, message and attributes as without the gate, raised from the handler
    assert gated.value is raised[-1]
    assert (type(gated.value), gated.value.args, vars(gated.value)) == (
        type(ungated.value),
        ungated.value.args,
        vars(ungated.value),
    )
    assert (gated.value.__cause__, gated.value.__context__) == (None, None)
    assert gated.traceback[-1].name == "handler"
    assert store.writes == 0
