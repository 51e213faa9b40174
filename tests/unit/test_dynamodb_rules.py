"""The unused-expression-attribute check the test suite applies to every DynamoDB call."""

from __future__ import annotations

import pytest

from tests.dynamodb_rules import UnusedExpressionAttributeError, check_request


def test_a_value_no_expression_uses_is_refused_as_dynamodb_refuses_it() -> None:
    params = {
        "ConditionExpression": "#status = :replaying AND attribute_not_exists(#lease)",
        "ExpressionAttributeNames": {"#status": "status", "#lease": "lease"},
        "ExpressionAttributeValues": {":replaying": {"S": "replaying"}, ":now": {"N": "1"}},
    }

    with pytest.raises(UnusedExpressionAttributeError, match=r"ExpressionAttributeValues \[':now'\]"):
        check_request("UpdateItem", params)


def test_a_name_used_in_any_expression_counts_and_prefixes_do_not() -> None:
    used = {
        "KeyConditionExpression": "#queue = :queue",
        "ProjectionExpression": "#order",
        "ExpressionAttributeNames": {"#queue": "queue", "#order": "order"},
        "ExpressionAttributeValues": {":queue": {"S": "q"}},
    }
    check_request("Query", used)

    with pytest.raises(UnusedExpressionAttributeError, match=r"\['#o'\]"):
        check_request("Query", {**used, "ExpressionAttributeNames": {**used["ExpressionAttributeNames"], "#o": "o"}})
