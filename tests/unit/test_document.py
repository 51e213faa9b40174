"""The window document parser: accepted forms and canonical output."""

from __future__ import annotations

from datetime import datetime, time, timezone

import pytest

from gate.document import (
    AbsoluteWindow,
    Mode,
    WindowDocumentError,
    parse_document,
    parse_instant,
    parse_mapping,
)

EXAMPLE = (
    '{"mode": "auto", "windows": [{"start": "2026-12-01T22:00:00+00:00", "end": "2026-12-02T02:00:00+00:00"}],'
    ' "recurring": [{"days": ["sat", "sun"], "start": "01:00", "end": "03:30", "timezone": "Europe/Rome"}]}'
)


def test_the_issue_example_parses() -> None:
    document = parse_document(EXAMPLE)

    assert document.mode is Mode.AUTO
    assert document.windows == (
        AbsoluteWindow(datetime(2026, 12, 1, 22, tzinfo=timezone.utc), datetime(2026, 12, 2, 2, tzinfo=timezone.utc)),
    )
    [weekly] = document.recurring
    assert (weekly.days, weekly.start, weekly.end, weekly.timezone) == ((5, 6), time(1), time(3, 30), "Europe/Rome")
    assert not weekly.crosses_midnight


def test_offsets_are_normalised_to_utc() -> None:
    document = parse_document('{"windows": [{"start": "2026-12-01T23:00:00+01:00", "end": "2026-12-02T00:30:00Z"}]}')

    assert document.windows[0].start == datetime(2026, 12, 1, 22, tzinfo=timezone.utc)
    assert document.windows[0].end == datetime(2026, 12, 2, 0, 30, tzinfo=timezone.utc)


def test_defaults_are_auto_with_no_windows_and_every_day() -> None:
    document = parse_document('{"recurring": [{"start": "22:00", "end": "02:00", "timezone": "UTC"}]}')

    assert document.mode is Mode.AUTO and document.windows == ()
    assert document.recurring[0].days == (0, 1, 2, 3, 4, 5, 6)
    assert document.recurring[0].crosses_midnight


def test_the_legacy_start_end_list_becomes_one_window() -> None:
    document = parse_document("2026-12-01T22:00:00+00:00, 2026-12-02T02:00:00+00:00")

    assert document.mode is Mode.AUTO
    assert document.windows[0].end == datetime(2026, 12, 2, 2, tzinfo=timezone.utc)


@pytest.mark.parametrize("mode", ["auto", "maintenance", "live"])
def test_every_mode_is_accepted(mode: str) -> None:
    assert parse_document(f'{{"mode": "{mode}"}}').mode.value == mode


def test_canonical_text_parses_back_to_the_same_document() -> None:
    document = parse_document(EXAMPLE)

    assert parse_document(document.dumps()) == document


def test_parse_mapping_takes_an_already_decoded_object() -> None:
    assert parse_mapping({"mode": "live"}).mode is Mode.LIVE


def test_an_error_names_the_field_and_the_value() -> None:
    with pytest.raises(WindowDocumentError) as failure:
        parse_document('{"windows": [{"start": "2026-12-02T02:00:00Z", "end": "2026-12-01T22:00:00Z"}]}')

    assert failure.value.field == "windows[0].end"
    assert failure.value.value == "2026-12-01T22:00:00Z"
    assert str(failure.value).startswith("windows[0].end: must be after start")


@pytest.mark.parametrize("offset", ["Z", "+01:00"])
def test_an_empty_window_whose_end_equals_its_start_is_refused(offset: str) -> None:
    # Half-open [start, end) with end == start holds no instant: refusing it keeps typos out.
    instant = f"2026-12-01T22:00:00{offset}"
    with pytest.raises(WindowDocumentError) as failure:
        parse_document(f'{{"windows": [{{"start": "{instant}", "end": "{instant}"}}]}}')

    assert failure.value.field == "windows[0].end"
    assert str(failure.value).startswith("windows[0].end: must be after start")


def test_an_end_one_millisecond_after_the_start_is_accepted() -> None:
    document = parse_document('{"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-01T22:00:00.001Z"}]}')

    [window] = document.windows
    assert (window.end - window.start).total_seconds() == pytest.approx(0.001)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T22:00:00Z", datetime(2026, 12, 1, 22, tzinfo=timezone.utc)),
        ("2026-12-01T22:00z", datetime(2026, 12, 1, 22, tzinfo=timezone.utc)),
        ("2026-12-01 23:00:00.5+01:00", datetime(2026, 12, 1, 22, 0, 0, 500000, tzinfo=timezone.utc)),
        ("2026-12-01T16:30:00.123-05:30", datetime(2026, 12, 1, 22, 0, 0, 123000, tzinfo=timezone.utc)),
    ],
)
def test_instants_in_the_extended_form_parse_the_same_on_every_supported_python(text: str, expected: datetime) -> None:
    # Python 3.10's fromisoformat takes neither Z nor 1-digit fractions; the parser
    # normalises them, so what the CLI accepts loads on a python3.10 function too.
    assert parse_instant(text, "windows[0].start") == expected


@pytest.mark.parametrize(
    "text", ["20261201T220000Z", "2026-12-01T22:00:00+0100", "2026-12-01T22:00:00.1234567Z", "2026-W49-2T22:00Z"]
)
def test_forms_only_some_pythons_parse_are_refused_everywhere(text: str) -> None:
    with pytest.raises(WindowDocumentError, match="is not an ISO-8601 date-time"):
        parse_instant(text, "windows[0].start")
