"""Answers for callers: 202 for a kept HTTP request, 503 for a refused one, plain object otherwise."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from gate.callers.responses import (
    deferred_response,
    is_deferred_answer,
    rejected_response,
    s3_batch_refusal,
    window_refusal,
)
from tests.fixtures.sam_events import sam_event
from tests.fixtures.trigger_events import FAMILIES, Family, alb_multi_value, function_url

HTTP_FAMILIES = [family for family in FAMILIES if family.kind.value == "http"]


@pytest.mark.parametrize("family", HTTP_FAMILIES, ids=lambda family: family.name)
def test_a_kept_http_request_is_answered_202_with_its_record_id(family: Family) -> None:
    response = deferred_response(family.event(), "req-1", 42)

    assert response["statusCode"] == 202
    assert json.loads(response["body"]) == {"deferred": True, "id": "req-1", "retryAfter": 42}


@pytest.mark.parametrize("family", HTTP_FAMILIES, ids=lambda family: family.name)
def test_a_refused_http_request_is_answered_503_with_retry_after_and_no_record_id(family: Family) -> None:
    response = rejected_response(family.event(), 42)
    headers = response.get("headers") or {name: values[0] for name, values in response["multiValueHeaders"].items()}

    assert response["statusCode"] == 503
    assert headers["Retry-After"] == "42" and headers["Content-Type"] == "application/json"
    assert json.loads(response["body"])["retryAfter"] == 42
    assert "id" not in json.loads(response["body"])


def test_without_a_known_end_there_is_no_retry_after_header() -> None:
    assert "Retry-After" not in rejected_response(function_url(), None)["headers"]


def test_alb_answers_carry_a_status_description_and_its_header_mode() -> None:
    single = rejected_response(sam_event("alb", "request"), 1)
    multi = rejected_response(alb_multi_value(), 1)

    assert single["statusDescription"] == "503 Service Unavailable" and "multiValueHeaders" not in single
    assert multi["multiValueHeaders"]["Retry-After"] == ["1"] and "headers" not in multi
    assert deferred_response(alb_multi_value(), "r", None)["multiValueHeaders"]["Content-Type"] == ["application/json"]


@pytest.mark.parametrize("event", [{}, [], "text", None, {"requestContext": "x"}, {"Records": []}])
def test_other_events_get_the_plain_deferred_object(event: object) -> None:
    assert deferred_response(event, "req-9", 5) == {"deferred": True, "id": "req-9", "retryAfter": 5}


@pytest.mark.parametrize("family", FAMILIES, ids=lambda family: family.name)
def test_every_kept_answer_is_recognised_and_no_refusal_is(family: Family) -> None:
    # The replay engine tells "the function deferred again" from a handler's answer with this.
    event = family.event()

    assert is_deferred_answer(deferred_response(event, "req-1", None))
    if isinstance(event, dict) and "requestContext" in event:
        assert not is_deferred_answer(rejected_response(event, 30))
    assert not is_deferred_answer({"statusCode": 503, "body": "busy"})
    assert not is_deferred_answer({"statusCode": 202, "body": json.dumps({"deferred": True})})
    assert not is_deferred_answer({"deferred": "maybe"})


def test_an_earlier_layers_503_deferred_answer_still_counts_as_kept() -> None:
    # During a rollout an older layer answers a kept HTTP request with a 503 carrying the record.
    old = {"statusCode": 503, "body": json.dumps({"deferred": True, "id": "req-1", "retryAfter": 5})}

    assert is_deferred_answer(old)


def test_s3_batch_refusal_marks_every_task_a_temporary_failure() -> None:
    event = sam_event("s3", "batch-invocation")

    answer = s3_batch_refusal(event, "in a window")

    assert answer["invocationId"] == event["invocationId"]
    assert answer["invocationSchemaVersion"] == event["invocationSchemaVersion"]
    assert [result["taskId"] for result in answer["results"]] == [task["taskId"] for task in event["tasks"]]
    assert {result["resultCode"] for result in answer["results"]} == {"TemporaryFailure"}


def test_the_refusal_reason_names_window_and_end() -> None:
    until = datetime(2030, 1, 2, 3, 4, tzinfo=timezone.utc)

    reason = window_refusal("orders", "nightly", until, "lex", "nothing stored")

    assert reason == (
        "orders is in a maintenance window, nightly, until 2030-01-02T03:04:00+00:00: "
        "lex invocation refused, nothing stored"
    )
    assert "until the window is closed" in window_refusal("orders", "mode is maintenance", None, "lex", "x")
