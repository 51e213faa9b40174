"""``deferred`` commands against moto: filters, JSON, payloads only in ``show``, purge with confirmation."""

from __future__ import annotations

import json

import boto3
import pytest

from gate.replay.leases import LeaseBook
from tests.unit.replay.support import (
    BUCKET,
    FUNCTION,
    PAYLOAD_MARKER,
    TABLE,
    aws,  # noqa: F401 - a fixture, used through pytestmark
    incompressible,
    item,
    record,
    run_cli,
    seed,
)

pytestmark = pytest.mark.usefixtures("aws")


def finish(request_id: str, *, failed: bool = False) -> None:
    book = LeaseBook(boto3.client("dynamodb"), TABLE, owner="t", lease_seconds=60)
    leased = book.claim(record(request_id))
    assert leased is not None
    assert book.finish_failed(leased, f"KeyError: {PAYLOAD_MARKER}") if failed else book.finish_replayed(leased, 7)


def test_list_shows_ids_times_sizes_status_and_window_but_never_a_payload() -> None:
    ids = seed(3, client_context={"custom": {"secret": PAYLOAD_MARKER}})
    finish(ids[2], failed=True)

    plain = run_cli("deferred", "list")
    as_json = run_cli("deferred", "list", "--json", "--function", FUNCTION)

    assert plain.exit_code == 0 and as_json.exit_code == 0
    assert [line.split()[0] for line in plain.stdout.splitlines()[1:]] == ids
    assert "windows[0] (db upgrade)" in plain.stdout and "KeyError" in plain.stdout
    assert [entry["id"] for entry in json.loads(as_json.stdout)] == ids
    assert json.loads(as_json.stdout)[0]["size"] == len(json.dumps({"n": 0, "secret": PAYLOAD_MARKER}).replace(" ", ""))
    assert PAYLOAD_MARKER not in plain.output and PAYLOAD_MARKER not in as_json.output


def test_list_filters_by_function_status_and_time() -> None:
    ids = seed(5)
    seed(2, function="billing", start=10)
    finish(ids[0])

    by_status = run_cli("deferred", "list", "--json", "--status", "pending", "--function", FUNCTION)
    by_time = run_cli(
        "deferred", "list", "--json", "--since", "2023-11-14T22:13:21Z", "--until", "2023-11-14T22:13:23+00:00"
    )
    billing = run_cli("deferred", "list", "--json", "--function", "billing")

    assert [entry["id"] for entry in json.loads(by_status.stdout)] == ids[1:]
    # Records are deferred at 22:13:20, :21, :22, ...: [since, until) keeps :21 and :22.
    assert [entry["id"] for entry in json.loads(by_time.stdout)] == ids[1:3]
    assert {entry["function"] for entry in json.loads(billing.stdout)} == {"billing"}


@pytest.mark.parametrize(
    "args",
    [["--since", "yesterday"], ["--since", "2023-11-14T22:13:21"], ["--status", "lost"], ["--limit", "0"]],
)
def test_bad_filters_exit_2(args: list[str]) -> None:
    result = run_cli("deferred", "list", *args)

    assert result.exit_code == 2, result.output


def test_list_stops_at_the_limit_and_says_so() -> None:
    seed(4)

    result = run_cli("deferred", "list", "--limit", "2", "--json")

    assert len(json.loads(result.stdout)) == 2 and "first 2 records" in result.stderr


def test_show_prints_the_record_and_its_decoded_event() -> None:
    [request_id] = seed(1, client_context={"custom": {"tenant": "t-1"}})

    result = run_cli("deferred", "show", request_id, "--json")

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["event"] == {"n": 0, "secret": PAYLOAD_MARKER}
    assert shown["record"]["client_context"] == {"custom": {"tenant": "t-1"}}
    assert shown["record"]["status"] == "pending"


def test_show_fetches_an_oversized_event_from_s3() -> None:
    blob = incompressible(5000)
    [request_id] = seed(1, inline_limit=1024, event=lambda _: {"blob": blob})

    result = run_cli("deferred", "show", request_id)

    assert result.exit_code == 0 and blob in result.stdout


def test_show_of_an_unknown_id_exits_2() -> None:
    result = run_cli("deferred", "show", "no-such-id")

    assert result.exit_code == 2 and "no deferred record no-such-id" in result.stderr


def test_count_per_function_and_status() -> None:
    ids = seed(3)
    seed(1, function="billing", start=10)
    finish(ids[0])

    scanned = json.loads(run_cli("deferred", "count", "--json").stdout)
    queried = json.loads(run_cli("deferred", "count", "--json", "--function", FUNCTION).stdout)

    assert scanned == {
        "billing": {"pending": 1, "replaying": 0, "replayed": 0, "failed": 0},
        FUNCTION: {"pending": 2, "replaying": 0, "replayed": 1, "failed": 0},
    }
    assert queried == {FUNCTION: scanned[FUNCTION]}


def test_purge_removes_only_replayed_records() -> None:
    ids = seed(3)
    finish(ids[0])
    finish(ids[1], failed=True)

    result = run_cli("deferred", "purge", "--yes")

    assert result.exit_code == 0 and "deleted 1 record(s)" in result.stdout
    assert item(ids[0]) == {} and item(ids[1]) != {} and item(ids[2]) != {}


def test_purge_of_ids_asks_first_and_a_no_deletes_nothing() -> None:
    ids = seed(2, inline_limit=1024, event=lambda n: {"blob": incompressible(5000, n)})

    declined = run_cli("deferred", "purge", ids[0], input="n\n")
    assert declined.exit_code == 1 and item(ids[0]) != {}
    assert "never replayed" in declined.stdout

    accepted = run_cli("deferred", "purge", ids[0], input="y\n")
    assert accepted.exit_code == 0 and item(ids[0]) == {} and item(ids[1]) != {}
    assert boto3.client("s3").list_objects_v2(Bucket=BUCKET).get("KeyCount") == 1


def test_purge_of_an_unknown_id_deletes_nothing_and_exits_2() -> None:
    [request_id] = seed(1)

    result = run_cli("deferred", "purge", request_id, "nope", "--yes")

    assert result.exit_code == 2 and item(request_id) != {}
