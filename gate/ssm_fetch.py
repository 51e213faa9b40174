"""Where the window reader used to live; it is :mod:`gate.window.reader` now."""

from __future__ import annotations

from gate.window.reader import Parameter, ParameterFetcher, ssm_endpoint

__all__ = ["Parameter", "ParameterFetcher", "ssm_endpoint"]
