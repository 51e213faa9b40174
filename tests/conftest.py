"""Test-wide stand-ins for what AWS enforces and moto does not (see tests/dynamodb_rules.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.client
import pytest

from tests.dynamodb_rules import check_request


@pytest.fixture(autouse=True)
def dynamodb_refuses_unused_expression_attributes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    make_api_call = botocore.client.BaseClient._make_api_call

    def checked(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            check_request(operation_name, api_params)
        return make_api_call(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", checked)
    yield
