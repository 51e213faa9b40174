"""Malformed window documents, one corpus for every reader and writer of the parameter.

Each case is the parameter's text, the field the ``WindowDocumentError`` must name
(``error.field``) and a fragment of the offending value that its message must show.
The parser tests use it; the CLI's ``window put`` and the Pulumi config path can
import :data:`MALFORMED_DOCUMENTS` and assert the same field and value.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from gate.window.document import MAX_DOCUMENT_BYTES


class MalformedDocument(NamedTuple):
    id: str
    text: str
    field: str  # WindowDocumentError.field
    shown: str  # must appear in the error message: the offending value (or its size)


START = "2026-12-01T22:00:00+00:00"
END = "2026-12-02T02:00:00+00:00"
LONDON_NIGHT = {"start": "01:00", "end": "03:00", "timezone": "Europe/London"}


def _doc(**fields: Any) -> str:
    return json.dumps(fields)


def _window(**overrides: Any) -> str:
    window = {"start": START, "end": END, **overrides}
    return _doc(windows=[{key: value for key, value in window.items() if value is not None}])


def _recurring(**overrides: Any) -> str:
    window = {**LONDON_NIGHT, **overrides}
    return _doc(recurring=[{key: value for key, value in window.items() if value is not None}])


def _padded_to(size: int) -> str:
    """A valid document padded with whitespace to exactly ``size`` bytes."""
    text = _doc(mode="auto")
    return text[:-1] + " " * (size - len(text.encode())) + "}"


def _many_named_windows(count: int) -> str:
    """Many valid windows with 100-character non-ASCII names: over the limit in bytes, not characters."""
    name = "é" * 100
    windows = [{"start": START, "end": END, "name": name} for _ in range(count)]
    return json.dumps({"windows": windows}, ensure_ascii=False)


MALFORMED_DOCUMENTS: list[MalformedDocument] = [
    # The text as a whole
    MalformedDocument("empty", "", "document", "''"),
    MalformedDocument("only-whitespace", " \n\t ", "document", "is empty"),
    MalformedDocument("not-json", "{mode: maintenance}", "document", "{mode: maintenance}"),
    MalformedDocument("truncated-json", '{"mode": "auto"', "document", '{"mode": "auto"'),
    MalformedDocument("trailing-comma", '{"mode": "auto",}', "document", '{"mode": "auto",}'),
    MalformedDocument("json-list", json.dumps([START, END]), "document", START),
    MalformedDocument("json-string", '"maintenance"', "document", "maintenance"),
    MalformedDocument("json-number", "42", "document", "42"),
    MalformedDocument("json-null", "null", "document", "null"),
    MalformedDocument("json-true", "true", "document", "true"),
    MalformedDocument("over-8kb-by-one-byte", _padded_to(MAX_DOCUMENT_BYTES + 1), "document", "8193 bytes"),
    MalformedDocument("over-8kb-in-bytes-not-characters", _many_named_windows(30), "document", " bytes"),
    MalformedDocument("lone-surrogate-in-the-text", '{"mode": "auto\ud800"}', "document", "\\ud800"),
    MalformedDocument(
        "nested-beyond-the-json-decoder",
        '{"windows": ' + "[" * 4000 + "]" * 4000 + "}",
        "document",
        '{"windows": [[[[',
    ),
    # Top-level fields
    MalformedDocument("unknown-top-level-key", _doc(mode="auto", window=[]), "window", "'window'"),
    MalformedDocument("mode-misspelt", _doc(mode="maintenence"), "mode", "'maintenence'"),
    MalformedDocument("mode-upper-case", _doc(mode="MAINTENANCE"), "mode", "'MAINTENANCE'"),
    MalformedDocument("mode-not-a-string", _doc(mode=1), "mode", "1"),
    MalformedDocument("mode-null", _doc(mode=None), "mode", "None"),
    MalformedDocument("duplicate-key", '{"mode": "live", "mode": "maintenance"}', "mode", "'maintenance'"),
    MalformedDocument("windows-not-a-list", _doc(windows={"start": START}), "windows", START),
    MalformedDocument("windows-nan", '{"windows": NaN}', "windows", "nan"),
    MalformedDocument("recurring-not-a-list", _doc(recurring="sat"), "recurring", "'sat'"),
    # One-off windows
    MalformedDocument("window-not-an-object", _doc(windows=[START]), "windows[0]", START),
    MalformedDocument("window-null", _doc(windows=[None]), "windows[0]", "None"),
    MalformedDocument("window-unknown-key", _window(label="x"), "windows[0].label", "'label'"),
    MalformedDocument("window-missing-end", _window(end=None), "windows[0].end", "is required"),
    MalformedDocument("window-naive-start", _window(start="2026-12-01T22:00:00"), "windows[0].start", "22:00:00'"),
    MalformedDocument("window-date-only", _window(start="2026-12-01"), "windows[0].start", "'2026-12-01'"),
    MalformedDocument("window-not-a-date", _window(start="tomorrow"), "windows[0].start", "'tomorrow'"),
    MalformedDocument("window-start-a-number", _window(start=1_800_000_000), "windows[0].start", "1800000000"),
    MalformedDocument("window-offset-beyond-24h", _window(end="2026-12-02T02:00:00+25:00"), "windows[0].end", "+25:00"),
    MalformedDocument("window-end-equals-start", _window(end=START), "windows[0].end", START),
    MalformedDocument(
        "window-end-before-start", _window(end="2026-12-01T21:59:59+00:00"), "windows[0].end", "21:59:59"
    ),
    MalformedDocument(
        "window-end-before-start-across-offsets",
        _window(end="2026-12-02T00:30:00+03:00"),
        "windows[0].end",
        "00:30:00+03:00",
    ),
    MalformedDocument("window-year-1999", _window(start="1999-12-31T23:00:00+00:00"), "windows[0].start", "1999"),
    MalformedDocument("window-year-2200", _window(end="2200-01-01T00:00:00+00:00"), "windows[0].end", "2200"),
    MalformedDocument("window-year-five-digits", _window(end="20266-12-02T02:00:00+00:00"), "windows[0].end", "20266"),
    MalformedDocument("window-name-empty", _window(name=""), "windows[0].name", "''"),
    MalformedDocument("window-name-too-long", _window(name="n" * 101), "windows[0].name", "nnnn"),
    MalformedDocument("window-name-not-a-string", _window(name=7), "windows[0].name", "7"),
    # Recurring windows
    MalformedDocument("recurring-not-an-object", _doc(recurring=[["sat"]]), "recurring[0]", "['sat']"),
    MalformedDocument("recurring-unknown-key", _recurring(tz="UTC"), "recurring[0].tz", "'tz'"),
    MalformedDocument(
        "recurring-unknown-zone", _recurring(timezone="Mars/Olympus_Mons"), "recurring[0].timezone", "Mars"
    ),
    MalformedDocument("recurring-zone-a-path", _recurring(timezone="../../etc/passwd"), "recurring[0].timezone", "etc"),
    MalformedDocument("recurring-zone-a-region", _recurring(timezone="Europe"), "recurring[0].timezone", "'Europe'"),
    MalformedDocument("recurring-zone-too-long", _recurring(timezone="Z" * 300), "recurring[0].timezone", "ZZZZ"),
    MalformedDocument("recurring-zone-missing", _recurring(timezone=None), "recurring[0].timezone", "is required"),
    MalformedDocument("recurring-zone-empty", _recurring(timezone=""), "recurring[0].timezone", "''"),
    MalformedDocument("recurring-unknown-day", _recurring(days=["sat", "funday"]), "recurring[0].days[1]", "'funday'"),
    MalformedDocument("recurring-day-full-name", _recurring(days=["Saturday"]), "recurring[0].days[0]", "'Saturday'"),
    MalformedDocument("recurring-day-twice", _recurring(days=["sat", "sat"]), "recurring[0].days[1]", "'sat'"),
    MalformedDocument("recurring-days-empty", _recurring(days=[]), "recurring[0].days", "[]"),
    MalformedDocument("recurring-days-a-string", _recurring(days="sat"), "recurring[0].days", "'sat'"),
    MalformedDocument("recurring-day-a-number", _recurring(days=[6]), "recurring[0].days[0]", "6"),
    MalformedDocument("recurring-time-24h", _recurring(start="24:00"), "recurring[0].start", "'24:00'"),
    MalformedDocument("recurring-time-one-digit-hour", _recurring(start="1:00"), "recurring[0].start", "'1:00'"),
    MalformedDocument("recurring-time-with-offset", _recurring(end="03:00+01:00"), "recurring[0].end", "+01:00"),
    MalformedDocument("recurring-time-61-seconds", _recurring(end="03:00:61"), "recurring[0].end", "03:00:61"),
    MalformedDocument("recurring-end-equals-start", _recurring(end="01:00"), "recurring[0].end", "'01:00'"),
    MalformedDocument("recurring-start-missing", _recurring(start=None), "recurring[0].start", "is required"),
    # The legacy START,END list
    MalformedDocument("legacy-one-item", START, "document", "not 1"),
    MalformedDocument("legacy-three-items", f"{START},{END},{END}", "document", "not 3"),
    MalformedDocument("legacy-empty-second-item", f"{START},", "document[1]", "''"),
    MalformedDocument("legacy-naive", "2026-12-01T22:00:00,2026-12-02T02:00:00", "document[0]", "2026-12-01T22:00:00"),
    MalformedDocument("legacy-end-before-start", f"{END},{START}", "document[1]", START),
    MalformedDocument(
        "legacy-absurd-year",
        "9999-01-01T00:00:00+00:00,9999-01-02T00:00:00+00:00",
        "document[0]",
        "9999-01-01",
    ),
]

# Documents at the edge of what is allowed, which must parse: the corpus's counterpart.
VALID_EDGE_DOCUMENTS: dict[str, str] = {
    "exactly-8kb": _padded_to(MAX_DOCUMENT_BYTES),
    "legacy-list": f"{START},{END}",
    "legacy-list-with-spaces": f"  {START} , {END}  ",
    "zulu-and-offset": _window(start="2026-12-01T22:00:00Z", end="2026-12-02T05:00:00+03:00"),
    "year-2000-to-2199": _window(start="2000-01-01T00:00:00+00:00", end="2199-12-31T23:59:59+00:00"),
    "recurring-crossing-midnight": _recurring(start="23:00", end="01:00"),
    "recurring-with-seconds": _recurring(start="01:00:30", end="01:00:31"),
    "name-of-100-characters": _window(name="n" * 100),
}
