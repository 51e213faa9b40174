"""``window`` commands against moto: every write parsed first, a diff shown, nothing written when invalid."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from tests.unit.replay.support import PARAMETER, aws, put_window, run_cli, window_text  # noqa: F401 - aws: fixture

pytestmark = pytest.mark.usefixtures("aws")


def version() -> int:
    return int(boto3.client("ssm").get_parameter(Name=PARAMETER)["Parameter"]["Version"])


def test_show_prints_the_canonical_document() -> None:
    put_window('{"windows": [{"start": "2026-12-01T23:00:00+01:00", "end": "2026-12-02T02:00:00Z"}]}')

    result = run_cli("window", "show", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["windows"] == [
        {"start": "2026-12-01T22:00:00+00:00", "end": "2026-12-02T02:00:00+00:00"}
    ]


def test_mode_shows_the_diff_and_writes_the_canonical_document() -> None:
    result = run_cli("window", "mode", "maintenance")

    assert result.exit_code == 0, result.output
    assert '-  "mode": "auto",' in result.stdout and '+  "mode": "maintenance",' in result.stdout
    assert json.loads(window_text())["mode"] == "maintenance"
    assert "(version 2)" in result.stdout


def test_an_unchanged_document_is_not_written() -> None:
    run_cli("window", "mode", "auto")
    before = version()

    result = run_cli("window", "mode", "auto")

    assert result.exit_code == 0 and "no change" in result.stdout
    assert version() == before


def test_add_and_add_recurring_append_windows() -> None:
    first = run_cli("window", "add", "--start", "2026-12-01T22:00:00Z", "--end", "2026-12-02T02:00:00Z", "--name", "db")
    second = run_cli(
        "window",
        "add-recurring",
        "--days",
        "sat,sun",
        "--start",
        "01:00",
        "--end",
        "03:30",
        "--timezone",
        "Europe/Rome",
    )

    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    document = json.loads(window_text())
    assert document["windows"] == [
        {"start": "2026-12-01T22:00:00+00:00", "end": "2026-12-02T02:00:00+00:00", "name": "db"}
    ]
    assert document["recurring"] == [
        {"days": ["sat", "sun"], "start": "01:00", "end": "03:30", "timezone": "Europe/Rome"}
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "--start", "2026-12-01T22:00:00", "--end", "2026-12-02T02:00:00Z"], "has no UTC offset"),
        (["add", "--start", "2026-12-02T02:00:00Z", "--end", "2026-12-01T22:00:00Z"], "must be after start"),
        (
            ["add-recurring", "--start", "01:00", "--end", "03:00", "--timezone", "Mars/Olympus"],
            "recurring[0].timezone",
        ),
        (["add-recurring", "--days", "someday", "--start", "01:00", "--end", "02:00", "--timezone", "UTC"], "days"),
    ],
)
def test_an_invalid_change_exits_2_with_the_parsers_message_and_writes_nothing(args: list[str], message: str) -> None:
    before = (window_text(), version())

    result = run_cli("window", *args)

    assert result.exit_code == 2
    assert message in result.stderr
    assert (window_text(), version()) == before


def test_put_validates_the_file_and_refuses_an_invalid_one(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text('{"mode": "live"}')
    bad.write_text('{"mode": "live", "mode": "auto"}')

    assert run_cli("window", "put", str(good)).exit_code == 0
    before = (window_text(), version())
    result = run_cli("window", "put", str(bad))

    assert result.exit_code == 2
    assert "mode: appears more than once" in result.stderr
    assert (window_text(), version()) == before
    assert json.loads(window_text())["mode"] == "live"


def test_put_reads_standard_input() -> None:
    result = run_cli("window", "put", "-", input='{"mode": "maintenance"}')

    assert result.exit_code == 0, result.output
    assert json.loads(window_text())["mode"] == "maintenance"


def test_dry_run_shows_the_change_and_writes_nothing() -> None:
    before = version()

    result = run_cli("window", "mode", "live", "--dry-run")

    assert result.exit_code == 0 and '+  "mode": "live",' in result.stdout and "nothing written" in result.stdout
    assert version() == before


def test_clear_leaves_no_windows_and_mode_auto() -> None:
    put_window({"mode": "maintenance", "windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-02T02:00:00Z"}]})

    assert run_cli("window", "clear").exit_code == 0

    assert json.loads(window_text()) == {"mode": "auto", "windows": [], "recurring": []}


def test_a_change_to_an_invalid_stored_document_is_refused_but_put_and_clear_replace_it() -> None:
    put_window('{"mode": "sometimes"}')

    refused = run_cli("window", "mode", "live")
    cleared = run_cli("window", "clear")

    assert refused.exit_code == 2 and "window put" in refused.stderr
    assert cleared.exit_code == 0 and json.loads(window_text())["mode"] == "auto"


def test_a_missing_parameter_is_created_by_a_write() -> None:
    boto3.client("ssm").delete_parameter(Name=PARAMETER)

    assert run_cli("window", "show").exit_code == 1
    assert run_cli("window", "mode", "maintenance").exit_code == 0
    assert json.loads(window_text())["mode"] == "maintenance"
