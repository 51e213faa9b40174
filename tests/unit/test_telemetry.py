"""The gate's log and EMF lines under Lambda's application log-level filtering."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from gate import telemetry
from gate.telemetry import LEVELS, LogLevelFilter, UnknownLogLevelError, lambda_level
from tests.lambda_logs import kept_by_lambda

APPLICATION_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``configured(AWS_LAMBDA_LOG_LEVEL)``: the gate's telemetry as Lambda's environment sets it."""

    def configure(level: str | None) -> None:
        environ = {"AWS_LAMBDA_LOG_FORMAT": "JSON"} | ({} if level is None else {"AWS_LAMBDA_LOG_LEVEL": level})
        monkeypatch.setattr(telemetry, "active_filter", LogLevelFilter.from_env(environ))

    yield configure


def written(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("application_level", APPLICATION_LEVELS)
def test_a_metric_line_survives_every_application_log_level(
    configured: Any, capsys: pytest.CaptureFixture[str], application_level: str
) -> None:
    configured(application_level)

    telemetry.metric("Deferrals", 1, FunctionName="orders")

    [line] = written(capsys)
    assert kept_by_lambda(line, application_level)
    record = json.loads(line)
    assert record["Deferrals"] == 1 and record["FunctionName"] == "orders"
    assert record["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [{"Name": "Deferrals", "Unit": "Count"}]


@pytest.mark.parametrize(
    ("application_level", "metric_level"),
    [("TRACE", "INFO"), ("DEBUG", "INFO"), ("INFO", "INFO"), ("WARN", "WARN"), ("ERROR", "ERROR"), ("FATAL", "FATAL")],
)
def test_a_metric_line_claims_no_more_severity_than_the_filter_needs(
    configured: Any, capsys: pytest.CaptureFixture[str], application_level: str, metric_level: str
) -> None:
    configured(application_level)

    telemetry.metric("Deferrals", 1)

    assert json.loads(written(capsys)[0])["level"] == metric_level


@pytest.mark.parametrize("application_level", APPLICATION_LEVELS)
@pytest.mark.parametrize("level", ["INFO", "WARNING", "ERROR"])
def test_a_log_line_is_written_exactly_when_lambda_would_keep_it(
    configured: Any, capsys: pytest.CaptureFixture[str], application_level: str, level: str
) -> None:
    configured(application_level)

    telemetry.log("window document refresh failed", level=level, error="Throttling")

    lines = written(capsys)
    keep = LEVELS.index(lambda_level(level)) >= LEVELS.index(application_level)
    assert len(lines) == (1 if keep else 0)
    for line in lines:
        assert kept_by_lambda(line, application_level)


def test_python_level_names_are_written_as_lambdas(configured: Any, capsys: pytest.CaptureFixture[str]) -> None:
    configured(None)

    telemetry.log("a", level="WARNING")
    telemetry.log("b", level="CRITICAL")
    telemetry.log("c")

    assert [json.loads(line)["level"] for line in written(capsys)] == ["WARN", "FATAL", "INFO"]


@pytest.mark.parametrize("value", [None, "", "LOUD"])
def test_no_level_or_an_unknown_one_filters_nothing(
    configured: Any, capsys: pytest.CaptureFixture[str], value: str | None
) -> None:
    # Like awslambdaric, an unknown AWS_LAMBDA_LOG_LEVEL is ignored, never an error.
    configured(value)

    telemetry.log("window document loaded")
    telemetry.metric("Deferrals", 1)

    assert [json.loads(line)["level"] for line in written(capsys)] == ["INFO", "INFO"]


def test_every_line_carries_an_rfc3339_timestamp_matching_the_emf_one(
    configured: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    configured("WARN")

    telemetry.metric("Deferrals", 1)
    telemetry.log("deferral failed", level="ERROR")

    metric_line, log_line = (json.loads(line) for line in written(capsys))
    emf_instant = datetime.fromtimestamp(metric_line["_aws"]["Timestamp"] / 1000, tz=timezone.utc)
    assert datetime.fromisoformat(metric_line["timestamp"].replace("Z", "+00:00")) == emf_instant
    assert datetime.fromisoformat(log_line["timestamp"].replace("Z", "+00:00")).tzinfo == timezone.utc


def test_rfc3339_keeps_milliseconds() -> None:
    assert telemetry.rfc3339(1_700_000_000.0071) == "2023-11-14T22:13:20.007Z"


def test_an_unknown_level_in_the_gates_own_code_is_refused_by_name() -> None:
    with pytest.raises(UnknownLogLevelError, match="'NOTICE'"):
        lambda_level("NOTICE")
