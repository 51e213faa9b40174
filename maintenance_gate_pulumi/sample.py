"""The stack's sample functions (code in sample/), gated by the component: Python, and Node.js when asked."""

from __future__ import annotations

import os
from pathlib import Path

import pulumi
import pulumi_aws as aws

from maintenance_gate_pulumi.component import MaintenanceGate
from maintenance_gate_pulumi.roles import lambda_execution_role
from maintenance_gate_pulumi.settings import StackSettings

# The program's own sample, in this checkout; a component user brings their own code.
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample"
HANDLER = "app.handler"
NODEJS_SAMPLE_DIR = SAMPLE_DIR / "nodejs"
NODEJS_HANDLER = "index.handler"


def sample_code(directory: Path = SAMPLE_DIR, pattern: str = "*.py") -> pulumi.AssetArchive:
    # Named files rather than the folder, so a local __pycache__ never changes the archive.
    return pulumi.AssetArchive(
        {path.name: pulumi.FileAsset(os.path.relpath(path)) for path in sorted(directory.glob(pattern))}
    )


def sample_function(name: str, gate: MaintenanceGate, settings: StackSettings) -> aws.lambda_.Function:
    """The Python sample: the gate in process."""
    return _gated_sample(
        name, gate, settings, grant="sample", runtime=settings.runtime, handler=HANDLER, code=sample_code()
    )


def nodejs_sample_function(name: str, gate: MaintenanceGate, settings: StackSettings) -> aws.lambda_.Function:
    """The Node.js sample: the same gate, through the Runtime API proxy in the layer for its architecture."""
    code = sample_code(NODEJS_SAMPLE_DIR, "*.mjs")
    return _gated_sample(
        name, gate, settings, grant="nodejs-sample", runtime=settings.nodejs_runtime, handler=NODEJS_HANDLER, code=code
    )


def _gated_sample(
    name: str,
    gate: MaintenanceGate,
    settings: StackSettings,
    *,
    grant: str,
    runtime: str,
    handler: str,
    code: pulumi.AssetArchive,
) -> aws.lambda_.Function:
    execution = lambda_execution_role(name, log_retention_days=settings.log_retention_days)
    access = gate.grant(grant, execution.role)
    return aws.lambda_.Function(
        name,
        gate.function_args(
            aws.lambda_.FunctionArgs(
                role=execution.role.arn,
                runtime=runtime,
                architectures=[settings.architecture],
                handler=handler,
                code=code,
                memory_size=settings.memory,
                timeout=settings.timeout,
                logging_config=execution.logs.logging_config(),
            )
        ),
        opts=pulumi.ResourceOptions(depends_on=[access, *execution.grants]),
    )
