"""The Lambda context as the gate uses it: a Protocol, for the type checker only.

awslambdaric's ``LambdaContext`` satisfies it, and so does any test double with these
members. ``client_context``, ``identity`` and ``tenant_id`` are read with ``getattr``,
because not every runtime version or invocation carries them.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    from typing import Protocol

    class LambdaContext(Protocol):
        aws_request_id: str
        function_name: str
        invoked_function_arn: str

        def get_remaining_time_in_millis(self) -> int: ...


def remaining_seconds(context: object) -> float | None:
    """Seconds the invocation has left, or None where the context cannot say (a foreign or partial object)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None
    try:
        return float(remaining()) / 1000
    except Exception:  # noqa: BLE001 - a foreign context object must not fail the invocation
        return None
