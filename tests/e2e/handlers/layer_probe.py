"""Reports where the function's imports come from, as a function on Lambda would see them."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any


def _origin(module_name: str) -> str | None:
    try:
        return str(importlib.import_module(module_name).__file__)
    except ImportError:
        return None


def report(event: Any, context: Any) -> Any:
    gate = sys.modules.get("gate")
    return {
        "modules": {name: _origin(name) for name in event.get("modules", [])},
        "gate": getattr(gate, "__file__", None),
        "sys_path": sys.path,
        "pythonpath": os.environ.get("PYTHONPATH"),
    }
