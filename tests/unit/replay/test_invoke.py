"""Reading an Invoke answer: what ran, what failed, what never reached the function."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from gate.callers.responses import deferred_response, is_deferred_answer
from gate.replay.invoke import Outcome, classify_exception, classify_response


def client_error(code: str, status: int) -> ClientError:
    response = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(response, "Invoke")  # type: ignore[arg-type]


def test_a_plain_answer_is_a_success() -> None:
    result = classify_response(None, json.dumps({"handled": True}).encode())

    assert (result.outcome, result.deferred) == (Outcome.SUCCEEDED, False)


def test_an_error_document_is_a_function_error_even_without_the_header() -> None:
    body = {"errorMessage": "handler refused", "errorType": "ValueError", "requestId": "r", "stackTrace": []}

    result = classify_response(None, json.dumps(body).encode())

    assert (result.outcome, result.error) == (Outcome.FUNCTION_ERROR, "ValueError: handler refused")


def test_the_function_error_header_alone_is_enough() -> None:
    result = classify_response("Unhandled", b"")

    assert (result.outcome, result.error) == (Outcome.FUNCTION_ERROR, "Unhandled")


def test_an_answer_that_merely_mentions_an_error_type_is_a_success() -> None:
    body = {"errorType": "none", "errorMessage": "fine", "orders": [1, 2]}

    assert classify_response(None, json.dumps(body).encode()).outcome is Outcome.SUCCEEDED


@pytest.mark.parametrize(
    "event",
    [{"n": 1}, {"version": "2.0", "requestContext": {"http": {"method": "POST"}}}],
    ids=["plain", "http"],
)
def test_the_gates_own_deferred_answer_is_recognised(event: dict[str, object]) -> None:
    answer = deferred_response(event, "req-9", 30)

    assert is_deferred_answer(answer)
    assert classify_response(None, json.dumps(answer).encode()).deferred


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (client_error("TooManyRequestsException", 429), Outcome.THROTTLED),
        (client_error("ResourceNotFoundException", 404), Outcome.FATAL),
        (client_error("404", 404), Outcome.FATAL),
        (client_error("AccessDeniedException", 403), Outcome.FATAL),
        (client_error("RequestTooLargeException", 413), Outcome.REJECTED),
        (client_error("ServiceException", 500), Outcome.UNKNOWN),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), Outcome.THROTTLED),
        (ConnectTimeoutError(endpoint_url="http://127.0.0.1:9"), Outcome.THROTTLED),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:9"), Outcome.UNKNOWN),
    ],
)
def test_failures_are_sorted_by_whether_the_function_may_have_run(error: Exception, outcome: Outcome) -> None:
    assert classify_exception(error).outcome is outcome
