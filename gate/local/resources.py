"""The gate's parameter, table and bucket, created on a local moto server."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import boto3

from gate.deferral import table as schema
from gate.local.servers import LOCAL_REGION, MotoServer
from gate.local.stack_config import PROJECT, LocalStackConfig
from gate.replay.records import RecordTable


@dataclass(frozen=True)
class LocalResources:
    server: MotoServer
    parameter: str
    table: str
    bucket: str

    @classmethod
    def named(cls, server: MotoServer, stack: str) -> LocalResources:
        # Project and stack in every name, as the Pulumi program does, plus a suffix so
        # reruns against one long-lived server never collide.
        suffix = uuid.uuid4().hex[:6]
        base = f"{PROJECT}-{stack}-{suffix}"
        return cls(server, parameter=f"/{PROJECT}/{stack}-{suffix}/window", table=f"{base}-deferred", bucket=base)

    def client(self, service: str) -> Any:
        env = self.server.client_environment()
        return boto3.client(
            service,
            endpoint_url=self.server.url,
            region_name=LOCAL_REGION,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=env["AWS_SESSION_TOKEN"],
        )

    def create(self, config: LocalStackConfig) -> str:
        self.client("ssm").put_parameter(Name=self.parameter, Value=config.window_text(), Type="String")
        schema.create_table(self.client("dynamodb"), self.table)
        self.client("s3").create_bucket(Bucket=self.bucket)
        return f"parameter {self.parameter}, table {self.table}, bucket {self.bucket}"

    def gate_environment(self, config: LocalStackConfig) -> dict[str, str]:
        """What the Pulumi component sets on a gated function, pointed at moto."""
        return {
            **self.server.client_environment(),
            **self.cli_environment(),
            "GATE_CACHE_TTL_SECONDS": str(config.cache_ttl_seconds),
            "GATE_FAIL_MODE": config.fail_mode,
            "GATE_ON_DEFER": config.on_defer,
            "GATE_ON_HTTP": config.on_http,
            "GATE_ON_ORDERED": config.on_ordered,
        }

    def cli_environment(self) -> dict[str, str]:
        return {
            "GATE_PARAMETER_NAME": self.parameter,
            "GATE_TABLE_NAME": self.table,
            "GATE_OVERFLOW_BUCKET": self.bucket,
        }

    def record_statuses(self) -> list[str]:
        return [record.status.value for record in RecordTable(self.client("dynamodb"), self.table).scan()]
