"""Stands in for OpenTelemetry's otel_wrapper: loads ORIG_HANDLER and records a span around it."""

from __future__ import annotations

import json
import os
from importlib import import_module
from typing import Any

ORIGINAL = os.environ["ORIG_HANDLER"]
_module_name, _function_name = ORIGINAL.rsplit(".", 1)
_wrapped = getattr(import_module(_module_name), _function_name)


def lambda_handler(event: Any, context: Any) -> Any:
    span: dict[str, Any] = {"request_id": context.aws_request_id, "handler": ORIGINAL}
    try:
        result = _wrapped(event, context)
    except Exception as error:
        span["error"] = type(error).__name__
        raise
    else:
        span["result_keys"] = sorted(result) if isinstance(result, dict) else None
        return result
    finally:
        with open(os.environ["STANDIN_SPANS_FILE"], "a", encoding="utf-8") as spans:
            spans.write(json.dumps(span) + "\n")
