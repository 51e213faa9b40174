"""The operator CLI never prints an event or a client context, except ``deferred show`` (asked for).

Records are seeded through the gate's own store with a marker in every event (one of
them oversized, in S3) and in the client context; every other command's whole output
(stdout and stderr, plain and --json) is searched for it.
"""

from __future__ import annotations

import pytest

from tests.unit.replay.support import (
    FUNCTION,
    PAYLOAD_MARKER,
    aws,  # noqa: F401 - a fixture, used through pytestmark
    incompressible,
    put_window,
    run_cli,
    seed,
)

pytestmark = pytest.mark.usefixtures("aws")

COMMANDS = {
    "deferred-list": ["deferred", "list"],
    "deferred-list-json": ["deferred", "list", "--json"],
    "deferred-list-function": ["deferred", "list", "--function", FUNCTION, "--status", "pending"],
    "deferred-count": ["deferred", "count"],
    "deferred-count-json": ["deferred", "count", "--json", "--function", FUNCTION],
    "status": ["status"],
    "status-json": ["status", "--json"],
    "replay-dry-run": ["replay", "--function", FUNCTION, "--dry-run"],
    # Lambda (moto) has no such function: the run stops, refused, and says why
    "replay-refused-by-lambda": ["replay", "--function", FUNCTION, "--yes"],
    "purge-declined": ["deferred", "purge", f"{FUNCTION}-req-0000"],
}


def seed_planted() -> list[str]:
    ids = seed(2, client_context={"custom": {"secret": PAYLOAD_MARKER}})
    ids += seed(
        1,
        start=2,
        inline_limit=1024,
        event=lambda n: {"n": n, "secret": PAYLOAD_MARKER, "blob": incompressible(5000)},
        client_context={"env": {"secret": PAYLOAD_MARKER}},
    )
    return ids


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_no_command_but_deferred_show_prints_an_event(command: list[str]) -> None:
    seed_planted()
    put_window({"mode": "live"})

    result = run_cli(*command, input="n\n")

    assert result.exit_code in (0, 1), result.output  # work done, or refused/declined: not a usage error
    assert result.output.strip()  # it did say something
    assert PAYLOAD_MARKER not in result.output


def test_deferred_show_prints_the_event_because_it_was_asked_to() -> None:
    ids = seed_planted()

    shown = [run_cli("deferred", "show", request_id) for request_id in ids]

    assert [result.exit_code for result in shown] == [0, 0, 0]
    assert all(PAYLOAD_MARKER in result.stdout for result in shown)
