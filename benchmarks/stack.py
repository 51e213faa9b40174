"""The resources every measurement shares, on one moto server, like one deployed stack."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import boto3

from gate.deferral import table as schema
from gate.local.servers import LOCAL_REGION, MotoServer

RECURRING_ZONE = "Europe/Rome"


@dataclass(frozen=True)
class Result:
    """What one measurement reports: its JSON metrics, and notes on method for the table."""

    metrics: dict[str, float | None]
    notes: tuple[str, ...] = ()


@dataclass
class Stack:
    server: MotoServer
    parameter: str
    maintenance_parameter: str
    table: str
    bucket: str

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.server.url,
            region_name=LOCAL_REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def put_parameter(self, name: str, document: dict[str, Any]) -> None:
        self.client("ssm").put_parameter(Name=name, Value=json.dumps(document), Type="String", Overwrite=True)

    def gate_environment(self, parameter: str | None = None, **extra: str) -> dict[str, str]:
        """The environment a gated function gets (a bare one is given it too, and ignores it)."""
        return {
            **self.server.client_environment(),
            "GATE_PARAMETER_NAME": parameter or self.parameter,
            "GATE_TABLE_NAME": self.table,
            "GATE_OVERFLOW_BUCKET": self.bucket,
            **extra,
        }


def create_stack(server: MotoServer) -> Stack:
    suffix = uuid.uuid4().hex[:8]
    stack = Stack(
        server=server,
        parameter=f"/maintenance-gate/bench-{suffix}/window",
        maintenance_parameter=f"/maintenance-gate/bench-{suffix}/maintenance",
        table=f"gate-bench-{suffix}",
        bucket=f"gate-bench-{suffix}",
    )
    schema.create_table(stack.client("dynamodb"), stack.table)
    stack.client("s3").create_bucket(Bucket=stack.bucket)
    stack.put_parameter(stack.parameter, outside_window_document(datetime.now(timezone.utc)))
    stack.put_parameter(stack.maintenance_parameter, {"mode": "maintenance"})
    return stack


def outside_window_document(now: datetime) -> dict[str, Any]:
    """One absolute and one recurring window, neither covering ``now`` (nor the next hours)."""
    local = now.astimezone(ZoneInfo(RECURRING_ZONE))
    return {
        "mode": "auto",
        "windows": [
            {
                "start": (now + timedelta(days=30)).isoformat(timespec="seconds"),
                "end": (now + timedelta(days=30, hours=4)).isoformat(timespec="seconds"),
                "name": "bench absolute",
            }
        ],
        "recurring": [
            {
                "start": (local + timedelta(hours=6)).strftime("%H:%M"),
                "end": (local + timedelta(hours=7)).strftime("%H:%M"),
                "timezone": RECURRING_ZONE,
                "name": "bench recurring",
            }
        ],
    }


@contextlib.contextmanager
def aws_environment(server: MotoServer) -> Iterator[None]:
    """Point boto3's defaults (as the gate and the seed design use them) at the moto server."""
    wanted = {
        **server.client_environment(),
        # No profile or shared file on this machine may change what the clients do.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    boto3.DEFAULT_SESSION = None
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        boto3.DEFAULT_SESSION = None
