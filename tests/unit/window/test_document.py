"""The window document parser: accepted forms and canonical output."""

from __future__ import annotations

import re
from datetime import datetime, time, timezone

import pytest

from gate.window.document import (
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


# Python 3.10's datetime.fromisoformat, as documented: YYYY-MM-DD[*HH[:MM[:SS[.fff[fff]]]][+HH:MM[:SS[.ffffff]]]].
_PY310_ISOFORMAT = re.compile(
    r"^\d{4}-\d{2}-\d{2}(.\d{2}(:\d{2}(:\d{2}(\.\d{3}(\d{3})?)?)?)?([+-]\d{2}:\d{2}(:\d{2}(\.\d{6})?)?)?)?$"
)


class _Python310Datetime(datetime):
    """This Python's datetime, refusing what 3.10's ``fromisoformat`` refuses (Z, 1, 2, 4, 5 or 7+ digit fractions)."""

    @classmethod
    def fromisoformat(cls, date_string: str) -> datetime:
        if not _PY310_ISOFORMAT.match(date_string):
            raise ValueError(f"Invalid isoformat string: {date_string!r}")
        return datetime.fromisoformat(date_string)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T22:00:00.123456Z", datetime(2026, 12, 1, 22, 0, 0, 123456, tzinfo=timezone.utc)),
        ("2026-12-01T22:00:00Z", datetime(2026, 12, 1, 22, tzinfo=timezone.utc)),
        ("2026-12-01T22:00z", datetime(2026, 12, 1, 22, tzinfo=timezone.utc)),
        ("2026-12-01 23:00:00.5+01:00", datetime(2026, 12, 1, 22, 0, 0, 500000, tzinfo=timezone.utc)),
        ("2026-12-01T16:30:00.123-05:30", datetime(2026, 12, 1, 22, 0, 0, 123000, tzinfo=timezone.utc)),
    ],
)
def test_instants_in_the_extended_form_parse_the_same_on_every_supported_python(
    text: str, expected: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Python 3.10's fromisoformat takes neither Z nor 1-digit fractions; the parser
    # normalises them, so what the CLI accepts loads on a python3.10 function too.
    monkeypatch.setattr("gate.window.document.datetime", _Python310Datetime)

    assert parse_instant(text, "windows[0].start") == expected


@pytest.mark.parametrize(
    "text", ["20261201T220000Z", "2026-12-01T22:00:00+0100", "2026-12-01T22:00:00.1234567Z", "2026-W49-2T22:00Z"]
)
def test_forms_only_some_pythons_parse_are_refused_everywhere(text: str) -> None:
    with pytest.raises(WindowDocumentError, match="is not an ISO-8601 date-time"):
        parse_instant(text, "windows[0].start")


# Every refusal, word for word: the gate, the CLI and the Pulumi program show this one text.
_NOW_Z = "2026-12-01T22:00:00Z"
_ONE_HOUR = '"start": "01:00", "end": "02:00", "timezone": "UTC"'


def _windows(item: str) -> str:
    return f'{{"windows": [{item}]}}'


def _recurring(item: str) -> str:
    return f'{{"recurring": [{item}]}}'


REFUSALS = [
    ("\ud800", "document: is not valid Unicode text (surrogates not allowed) (got '\\ud800')"),
    ("x" * 8193, "document: is larger than the 8192-byte limit of an SSM parameter (got '8193 bytes')"),
    (
        '\ufeff{"mode": "maintenance"}',
        'document: starts with a byte-order mark; save it as UTF-8 without one (got \'\\ufeff{"mode": "maintenan\')',
    ),
    ("   ", "document: is empty (got '   ')"),
    ("null", "document: must be a JSON object or a 'START,END' list (got 'null')"),
    ("true", "document: must be a JSON object or a 'START,END' list (got 'true')"),
    ('{"mode": "off"}', "mode: must be one of auto, maintenance, live (got 'off')"),
    (
        _windows(f'{{"start": 1, "end": "{_NOW_Z}"}}'),
        "windows[0].start: must be an ISO-8601 string with a UTC offset (got 1)",
    ),
    (
        _windows('{"start": "2026-12-01 22:00", "end": "2026-12-01T23:00:00Z"}'),
        "windows[0].start: has no UTC offset; add one such as +00:00 or Z (got '2026-12-01 22:00')",
    ),
    (
        _windows('{"start": "2026-12-01T22", "end": "2026-12-01T23:00:00Z"}'),
        "windows[0].start: is not an ISO-8601 date-time such as 2026-12-01T22:00:00+00:00 (got '2026-12-01T22')",
    ),
    (
        _windows('{"start": "2026-02-30T22:00:00Z", "end": "2026-12-01T23:00:00Z"}'),
        "windows[0].start: is not a valid date-time (got '2026-02-30T22:00:00Z')",
    ),
    (
        _windows('{"start": "1999-12-01T22:00:00Z", "end": "2026-12-01T23:00:00Z"}'),
        "windows[0].start: year must be between 2000 and 2199 (got '1999-12-01T22:00:00Z')",
    ),
    (_windows("1"), "windows[0]: must be an object with start and end (got 1)"),
    (_windows('{"end": "2026-12-01T23:00:00Z"}'), "windows[0].start: is required (got None)"),
    (_recurring("1"), "recurring[0]: must be an object with days, start, end and timezone (got 1)"),
    (_recurring('{"start": "01:00", "timezone": "UTC"}'), "recurring[0].end: is required (got None)"),
    (
        _recurring('{"start": "01:00", "end": "01:00", "timezone": "UTC"}'),
        "recurring[0].end: must differ from start (use mode for all-day maintenance) (got '01:00')",
    ),
    (
        _recurring(f'{{{_ONE_HOUR}, "name": ""}}'),
        "recurring[0].name: must be a string of 1 to 100 characters (got '')",
    ),
    (_recurring(f'{{{_ONE_HOUR}, "name": "\\ud800"}}'), "recurring[0].name: is not valid Unicode text (got '\\ud800')"),
    (
        _recurring(f'{{{_ONE_HOUR}, "days": []}}'),
        "recurring[0].days: must be a non-empty list of mon, tue, wed, thu, fri, sat, sun (got [])",
    ),
    (
        _recurring(f'{{{_ONE_HOUR}, "days": ["mon", "funday"]}}'),
        "recurring[0].days[1]: must be one of mon, tue, wed, thu, fri, sat, sun (got 'funday')",
    ),
    (_recurring(f'{{{_ONE_HOUR}, "days": ["mon", "mon"]}}'), "recurring[0].days[1]: is listed twice (got 'mon')"),
    (
        _recurring('{"start": 1, "end": "02:00", "timezone": "UTC"}'),
        "recurring[0].start: must be a local time HH:MM or HH:MM:SS (00:00 to 23:59:59) (got 1)",
    ),
    (
        _recurring('{"start": "01:00", "end": "02:00", "timezone": "Mars/Olympus"}'),
        "recurring[0].timezone: is not a known IANA time zone (got 'Mars/Olympus')",
    ),
    (_NOW_Z, f"document: the START,END list form needs exactly 2 items, not 1 (got '{_NOW_Z}')"),
    (f"{_NOW_Z},{_NOW_Z}", f"document[1]: must be after start '{_NOW_Z}' (got '{_NOW_Z}')"),
    (f"{_NOW_Z}, 2026-12-01T21:00:00Z", f"document[1]: must be after start '{_NOW_Z}' (got '2026-12-01T21:00:00Z')"),
    ('{"mode": "auto", "mode": "live"}', "mode: appears more than once (got 'live')"),
    ('{"windows": {}}', "windows: must be a list (got {})"),
    ('{"window": []}', "window: is not a known key; expected one of mode, recurring, windows (got 'window')"),
    (
        _windows(f'{{"start": "{_NOW_Z}", "end": "2026-12-01T23:00:00Z", "until": 1}}'),
        "windows[0].until: is not a known key; expected one of end, name, start (got 'until')",
    ),
    # Values are shown up to 80 characters, then cut.
    ('{"mode": "%s"}' % ("x" * 80), "mode: must be one of auto, maintenance, live (got '%s')" % ("x" * 80)),
    ('{"mode": "%s"}' % ("x" * 81), "mode: must be one of auto, maintenance, live (got '%s...')" % ("x" * 80)),
]


@pytest.mark.parametrize(("text", "message"), REFUSALS, ids=[message.split(":")[0] for _, message in REFUSALS])
def test_each_refusal_has_its_own_exact_message(text: str, message: str) -> None:
    with pytest.raises(WindowDocumentError) as failure:
        parse_document(text)

    assert str(failure.value) == message
    field, problem = message.split(" (got ", maxsplit=1)[0].split(": ", maxsplit=1)
    assert (failure.value.field, failure.value.problem) == (field, problem)


def test_invalid_json_is_refused_with_the_decoder_reason_and_the_text_cut_short() -> None:
    text = '{"mode": "' + "y" * 80

    with pytest.raises(WindowDocumentError) as failure:
        parse_document(text)

    assert str(failure.value).startswith("document: is not valid JSON: Unterminated string starting at")
    assert failure.value.value == text[:80] + "..."


def test_a_value_that_is_not_text_is_refused_by_both_entry_points() -> None:
    with pytest.raises(WindowDocumentError) as not_text:
        parse_document(123)  # type: ignore[arg-type]
    with pytest.raises(WindowDocumentError) as not_object:
        parse_mapping([1])

    assert str(not_text.value) == "document: must be a string (got 123)"
    assert str(not_object.value) == "document: must be a JSON object (got [1])"


def test_canonical_text_is_indented_utf8_with_names_and_short_times() -> None:
    document = parse_document(
        '{"recurring": [{"days": ["mon"], "start": "01:00", "end": "02:30:15", "timezone": "UTC",'
        ' "name": "Wartung ü"}]}'
    )

    assert document.dumps() == (
        '{\n  "mode": "auto",\n  "windows": [],\n  "recurring": [\n    {\n      "days": [\n        "mon"\n      ],\n'
        '      "start": "01:00",\n      "end": "02:30:15",\n      "timezone": "UTC",\n      "name": "Wartung ü"\n'
        "    }\n  ]\n}"
    )
    assert parse_document(document.dumps()) == document
