"""Deferred responses: 503 with Retry-After for HTTP callers, a plain object otherwise."""

from __future__ import annotations

import json

import pytest

from gate.responses import deferred_response, is_deferred_answer

REST = {"httpMethod": "GET", "path": "/", "requestContext": {"stage": "prod"}}
HTTP_API = {"version": "2.0", "requestContext": {"http": {"method": "GET"}}}
FUNCTION_URL = {"version": "2.0", "requestContext": {"domainName": "abc.lambda-url.eu-west-1.on.aws", "http": {}}}
ALB = {"httpMethod": "GET", "requestContext": {"elb": {"targetGroupArn": "arn"}}}


@pytest.mark.parametrize("event", [REST, HTTP_API, FUNCTION_URL, ALB], ids=["rest", "http-api", "url", "alb"])
def test_http_events_get_503_with_retry_after(event: dict[str, object]) -> None:
    response = deferred_response(event, "req-1", 42)

    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "42"
    assert json.loads(response["body"]) == {"deferred": True, "id": "req-1", "retryAfter": 42}


def test_without_a_known_end_there_is_no_retry_after_header() -> None:
    assert "Retry-After" not in deferred_response(HTTP_API, "req-1", None)["headers"]


def test_alb_responses_carry_a_status_description() -> None:
    assert deferred_response(ALB, "req-1", 1)["statusDescription"] == "503 Service Unavailable"


@pytest.mark.parametrize("event", [{}, [], "text", None, {"requestContext": "x"}, {"Records": []}])
def test_other_events_get_the_plain_deferred_object(event: object) -> None:
    assert deferred_response(event, "req-9", 5) == {"deferred": True, "id": "req-9", "retryAfter": 5}


@pytest.mark.parametrize("event", [REST, HTTP_API, FUNCTION_URL, ALB, {"Records": []}, [1], None])
def test_every_deferred_answer_is_recognised_as_one(event: object) -> None:
    # The replayer tells a re-deferral from a handler's answer with this one function.
    assert is_deferred_answer(deferred_response(event, "req-1", None))
    assert not is_deferred_answer({"statusCode": 503, "body": "busy"})
    assert not is_deferred_answer({"deferred": "maybe"})
