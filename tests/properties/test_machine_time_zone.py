"""The window logic never reads the machine's time zone: Lambda runs in UTC, a laptop or CI box may not.

Every instant the parser and the decision hand out is in UTC, and which occurrences they
consider depends on the window's zone, never on ``TZ``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from hypothesis import example, given

from gate.window.decide import decide, upcoming_intervals
from gate.window.document import WindowDocument, parse_document, parse_mapping
from tests.properties.budget import bounded
from tests.properties.windows import documents_and_instants

# POSIX TZ strings, so no system zone database is needed: UTC+14 and UTC-12, a day and more
# apart, and UTC+1, where the wall times of Rome's spring-forward gap do exist.
MACHINE_ZONES = ("KIRITIMATI-14", "BAKER+12", "CET-1")
UTC = timezone.utc


@contextmanager
def machine_time_zone(posix_tz: str) -> Iterator[None]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = posix_tz
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()


def observe(document: WindowDocument, now: datetime) -> list[str]:
    """Everything the gate and the CLI read from a document at ``now``, as text (so offsets count)."""
    decision = decide(document, now)
    intervals = upcoming_intervals(document, now)
    return [
        parse_document(document.dumps()).dumps(),
        repr(decision),
        *(f"{interval.start!r} {interval.end!r} {interval.label}" for interval in intervals),
    ]


# A spring-forward gap (Rome, 2026-03-29 02:00 -> 03:00) whose window is cut short to start at the jump.
@example(
    case=(
        parse_mapping({"recurring": [{"start": "02:30", "end": "03:30", "timezone": "Europe/Rome"}]}),
        datetime(2026, 3, 29, 1, 10, tzinfo=UTC),
    )
)
# A daily window in the zone furthest ahead of UTC, seen from a machine far behind it.
@example(
    case=(
        parse_mapping({"recurring": [{"start": "12:00", "end": "13:00", "timezone": "Pacific/Kiritimati"}]}),
        datetime(2026, 12, 1, 20, tzinfo=UTC),
    )
)
@bounded(60)
@given(case=documents_and_instants())
def test_what_a_document_says_is_the_same_whatever_the_machine_zone(case: tuple[WindowDocument, datetime]) -> None:
    document, now = case
    with machine_time_zone("UTC0"):
        expected = observe(document, now)
    for zone in MACHINE_ZONES:
        with machine_time_zone(zone):
            assert observe(document, now) == expected, zone
