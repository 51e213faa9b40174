"""Small stand-ins shared by the unit tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeClientContext:
    custom: dict[str, Any] | None = None
    env: dict[str, Any] | None = None
    client: Any = None


@dataclass
class FakeContext:
    """The attributes of awslambdaric's LambdaContext that the gate reads."""

    aws_request_id: str = "req-1"
    function_name: str = "orders"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:orders"
    client_context: FakeClientContext | None = None
    identity: Any = None
    calls: list[Any] = field(default_factory=list)
