"""DynamoDB's rule that moto does not enforce: every expression name and value supplied must be used.

DynamoDB refuses a request whose ExpressionAttributeNames or ExpressionAttributeValues
hold an entry no expression of the request refers to (ValidationException: "Value
provided in ExpressionAttributeValues unused in expressions"). moto 5.2.5 accepts such
requests, which once hid a lease claim that could never succeed on DynamoDB. The root
conftest checks every DynamoDB call the tests make, in process, against this rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_EXPRESSION_PARAMETERS = (
    "KeyConditionExpression",
    "FilterExpression",
    "ProjectionExpression",
    "ConditionExpression",
    "UpdateExpression",
)


class UnusedExpressionAttributeError(AssertionError):
    """Raised when a DynamoDB request carries a name or value its expressions never use, as DynamoDB refuses."""


def check_request(operation: str, params: Mapping[str, Any]) -> None:
    expressions = " ".join(str(params[name]) for name in _EXPRESSION_PARAMETERS if params.get(name))
    for parameter in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
        unused = [
            placeholder
            for placeholder in params.get(parameter) or {}
            if not re.search(re.escape(placeholder) + r"(?![\w])", expressions)
        ]
        if unused:
            raise UnusedExpressionAttributeError(
                f"{operation}: {parameter} {unused} unused in expressions; DynamoDB refuses this request"
            )
