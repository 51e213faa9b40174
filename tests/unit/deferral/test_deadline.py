"""A store call bounded by the invocation's deadline: the wait, the worker, and the late-request refusal."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from gate.deferral import deadline as bound
from gate.deferral.deadline import DeadlineReachedError, LateRequestError, deadline_of, refuse_late_requests, run_before
from tests.unit.fakes import FakeContext


class TimedContext(FakeContext):
    def __init__(self, remaining_ms: int) -> None:
        super().__init__()
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_the_deadline_is_the_remaining_time_less_the_margin() -> None:
    assert deadline_of(TimedContext(3_000), clock=lambda: 100.0) == pytest.approx(103.0 - bound.MARGIN_SECONDS)


def test_a_context_that_cannot_tell_its_remaining_time_sets_no_deadline() -> None:
    assert deadline_of(FakeContext()) is None


def test_a_call_that_finishes_in_time_gives_its_result_or_its_own_error() -> None:
    assert run_before(time.monotonic() + 5, lambda: "stored") == "stored"

    def fails() -> str:
        raise ValueError("the call's own error")

    with pytest.raises(ValueError, match="the call's own error"):
        run_before(time.monotonic() + 5, fails)


def test_a_call_still_running_at_the_deadline_is_given_up_on_and_finishes_on_its_own() -> None:
    release = threading.Event()
    finished = threading.Event()

    def slow() -> str:
        release.wait(10)
        finished.set()
        return "late"

    started = time.monotonic()
    with pytest.raises(DeadlineReachedError):
        run_before(started + 0.2, slow)
    waited = time.monotonic() - started

    # The invocation waited for the deadline, not for the call, which is still running.
    assert waited >= 0.2 and not finished.is_set()
    release.set()
    assert finished.wait(5)


def test_with_no_time_left_nothing_is_started() -> None:
    calls: list[str] = []

    with pytest.raises(DeadlineReachedError, match="no time left"):
        run_before(time.monotonic() - 0.01, lambda: calls.append("sent"))

    assert calls == []


class _Body(io.BytesIO):
    """A raw urllib3-like body: botocore streams the payload and reads it."""

    def stream(self, **_: Any) -> Any:
        yield self.getvalue()


def answered(count: list[int]) -> Any:
    def send(request: Any, **_: Any) -> AWSResponse:
        count[0] += 1
        return AWSResponse(request.url, 204, {}, _Body(b""))

    return send


def test_a_guarded_client_sends_nothing_past_the_deadline_of_a_call_given_up_on() -> None:
    # GIVEN a real botocore client whose sends are answered (and counted) before the network
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    sent = [0]
    refuse_late_requests(client)
    client.meta.events.register_last("before-send", answered(sent))
    errors: list[Exception] = []
    finished = threading.Event()

    def two_calls() -> None:
        try:
            client.delete_object(Bucket="bucket", Key="in-time")
            time.sleep(0.4)
            client.delete_object(Bucket="bucket", Key="too-late")
        except Exception as exc:  # noqa: BLE001 - what the call given up on ended with
            errors.append(exc)
        finally:
            finished.set()

    # WHEN the invocation gives up at its deadline, between the two calls
    with pytest.raises(DeadlineReachedError):
        run_before(time.monotonic() + 0.2, two_calls)

    # THEN the call given up on sends only what it sent in time, and ends at once
    assert finished.wait(5)
    assert sent[0] == 1
    assert [type(error) for error in errors] == [LateRequestError]
    # ... and a call outside run_before (no deadline) is never refused
    client.delete_object(Bucket="bucket", Key="outside")
    assert sent[0] == 2
