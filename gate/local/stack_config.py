"""Read a stack's gate settings from Pulumi.<stack>.yaml, as the Pulumi program would.

The local demo and sandbox build their parameter, table and bucket from the same
config the program deploys, validated by the same parser, without importing pulumi.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gate.config import GateConfig
from gate.local.checkout import REPOSITORY_ROOT
from gate.window.document import WindowDocument, WindowDocumentError, parse_mapping

PROJECT = "maintenance-gate"
_GATE_DEFAULTS: dict[str, Any] = GateConfig._field_defaults


class StackFileError(ValueError):
    """Raised when a stack file is missing or one of its gate settings is invalid."""


@dataclass(frozen=True)
class LocalStackConfig:
    stack: str
    initial_window: WindowDocument
    cache_ttl_seconds: float
    fail_mode: str
    on_defer: str
    # GATE_ON_HTTP and GATE_ON_ORDERED, as the stack sets them (onHttp, onOrdered).
    on_http: str = _GATE_DEFAULTS["on_http"].value
    on_ordered: str = _GATE_DEFAULTS["on_ordered"].value

    def window_text(self) -> str:
        return json.dumps(self.initial_window.to_json())


def load_stack_config(stack: str = "dev", root: Path = REPOSITORY_ROOT) -> LocalStackConfig:
    values = {**_project_defaults(root), **_stack_values(stack, root)}
    key = f"{PROJECT}:initialWindow"
    try:
        window = parse_mapping(values.get("initialWindow", {"mode": "auto"}))
    except WindowDocumentError as exc:
        raise StackFileError(f"{key}: {exc}") from exc
    ttl: Any = values.get("cacheTtlSeconds", _GATE_DEFAULTS["cache_ttl_seconds"])
    return LocalStackConfig(
        stack=stack,
        initial_window=window,
        cache_ttl_seconds=float(ttl),
        fail_mode=str(values.get("failMode", _GATE_DEFAULTS["fail_mode"].value)),
        on_defer=str(values.get("onDefer", _GATE_DEFAULTS["on_defer"].value)),
        on_http=str(values.get("onHttp", _GATE_DEFAULTS["on_http"].value)),
        on_ordered=str(values.get("onOrdered", _GATE_DEFAULTS["on_ordered"].value)),
    )


def _stack_values(stack: str, root: Path) -> dict[str, Any]:
    path = root / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise StackFileError(f"no stack file {path.name} in {root}")
    config = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    prefix = f"{PROJECT}:"
    return {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}


def _project_defaults(root: Path) -> dict[str, Any]:
    path = root / "Pulumi.yaml"
    if not path.is_file():
        return {}
    config = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
    defaults: dict[str, Any] = {}
    for key, spec in config.items():
        if isinstance(spec, dict) and "default" in spec:
            defaults[key.split(":", 1)[-1]] = spec["default"]
    return defaults
