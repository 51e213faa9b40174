"""The inputs of the vectors: window documents, instants, settings, contexts and texts.

Hand-written, each for a reason: a boundary, a time-zone transition, one message of
the parser. The answers come from the Python gate (tests/vectors/generate.py).
"""

from __future__ import annotations

import json
from typing import Any

# A fixed clock for everything that reads one: 2026-12-01T22:30:00.250Z, a Tuesday.
NOW_EPOCH = 1796164200.25
FUNCTION_NAME = "orders"
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders:live"
LOG_STREAM = "2026/12/01/[$LATEST]0123456789abcdef"


def _doc(**fields: Any) -> str:
    return json.dumps(fields)


def _recurring(days: list[str] | None, start: str, end: str, zone: str, name: str | None = None) -> str:
    window: dict[str, Any] = {"start": start, "end": end, "timezone": zone}
    if days is not None:
        window["days"] = days
    if name:
        window["name"] = name
    return _doc(recurring=[window])


# (name, document text, instants to decide at, ISO-8601 in UTC)
def _hours(first: str, count: int, step_minutes: int = 60) -> list[str]:
    from datetime import datetime, timedelta

    start = datetime.fromisoformat(first)
    return [(start + timedelta(minutes=step_minutes * i)).isoformat() for i in range(count)]


WEEK = _hours("2026-11-30T00:00:00+00:00", 7 * 8, 180)  # a week in three-hour steps

DECISIONS: list[tuple[str, str, list[str]]] = [
    ("mode-maintenance", _doc(mode="maintenance"), ["2026-12-01T22:30:00+00:00"]),
    (
        "mode-live-beats-a-window",
        _doc(mode="live", windows=[{"start": "2026-12-01T00:00:00Z", "end": "2026-12-02T00:00:00Z"}]),
        ["2026-12-01T12:00:00+00:00"],
    ),
    ("empty-object", "{}", ["2026-12-01T22:30:00+00:00"]),
    (
        "absolute-half-open",
        _doc(windows=[{"start": "2026-12-01T22:00:00+00:00", "end": "2026-12-01T23:00:00+00:00", "name": "nightly"}]),
        [
            "2026-12-01T21:59:59.999999+00:00",
            "2026-12-01T22:00:00+00:00",
            "2026-12-01T22:30:00.250000+00:00",
            "2026-12-01T22:59:59.999999+00:00",
            "2026-12-01T23:00:00+00:00",
        ],
    ),
    (
        "absolute-offsets-and-fractions",
        _doc(windows=[{"start": "2026-12-02T01:15:30.5+02:30", "end": "2026-12-01 23:59z"}]),
        ["2026-12-01T22:45:30.400000+00:00", "2026-12-01T22:45:30.500000+00:00", "2026-12-01T23:58:59+00:00"],
    ),
    (
        "adjacent-and-overlapping-defer-as-one",
        _doc(
            windows=[
                {"start": "2026-12-01T22:00:00Z", "end": "2026-12-01T23:00:00Z", "name": "a"},
                {"start": "2026-12-01T23:00:00Z", "end": "2026-12-02T01:00:00Z", "name": "b"},
                {"start": "2026-12-02T00:30:00Z", "end": "2026-12-02T02:00:00Z"},
                {"start": "2026-12-03T00:00:00Z", "end": "2026-12-03T01:00:00Z"},
            ]
        ),
        _hours("2026-12-01T21:00:00+00:00", 30, 60),
    ),
    ("legacy-list", "2026-12-01T22:00:00Z, 2026-12-01T23:00:00+00:00", ["2026-12-01T22:30:00+00:00"]),
    ("legacy-list-before", "2026-12-01T22:00:00Z,2026-12-01T23:00:00Z", ["2026-12-01T21:00:00+00:00"]),
    ("legacy-list-after", " 2026-12-01T22:00:00Z , 2026-12-01T23:00:00Z\n", ["2026-12-02T21:00:00+00:00"]),
    ("weekly-utc-weekdays", _recurring(["mon", "wed", "fri"], "09:00", "17:30", "UTC", "office"), WEEK),
    ("weekly-every-day-default", _recurring(None, "02:00", "02:15:30", "Europe/London"), WEEK),
    ("weekly-crosses-midnight", _recurring(["fri", "sun"], "22:00", "02:00", "America/New_York", "night"), WEEK),
    ("weekly-kathmandu", _recurring(["tue"], "23:45", "00:15", "Asia/Kathmandu"), WEEK),
    ("weekly-lord-howe", _recurring(["sat", "sun"], "01:30", "03:00", "Australia/Lord_Howe"), WEEK),
    ("weekly-apia", _recurring(["mon"], "00:00", "23:59:59", "Pacific/Apia"), WEEK),
    # Europe/Berlin springs forward 2026-03-29 02:00 -> 03:00 and falls back 2026-10-25 03:00 -> 02:00.
    (
        "dst-spring-window-wholly-in-gap-is-absent",
        _recurring(["sun"], "02:10", "02:50", "Europe/Berlin"),
        _hours("2026-03-28T23:00:00+00:00", 12, 20),
    ),
    (
        "dst-spring-start-in-gap-starts-at-the-jump",
        _recurring(["sun"], "02:30", "03:30", "Europe/Berlin"),
        _hours("2026-03-28T23:00:00+00:00", 12, 15),
    ),
    (
        "dst-spring-end-in-gap",
        _recurring(["sun"], "01:00", "02:30", "Europe/Berlin"),
        _hours("2026-03-28T23:00:00+00:00", 12, 15),
    ),
    (
        "dst-autumn-overlap-means-first-occurrence",
        _recurring(["sun"], "02:30", "02:45", "Europe/Berlin"),
        _hours("2026-10-24T23:30:00+00:00", 16, 10),
    ),
    (
        "dst-autumn-crossing-midnight",
        _recurring(["sat"], "23:00", "03:00", "Europe/Berlin"),
        _hours("2026-10-24T20:00:00+00:00", 12, 30),
    ),
    (
        "dst-us-spring",
        _recurring(["sun"], "01:30", "03:30", "America/New_York"),
        _hours("2026-03-08T05:00:00+00:00", 12, 15),
    ),
    (
        "dst-us-autumn",
        _recurring(["sun"], "01:00", "01:30", "America/New_York"),
        _hours("2026-11-01T04:30:00+00:00", 12, 15),
    ),
    (
        "absolute-and-recurring-labels",
        json.dumps(
            {
                "mode": "auto",
                "windows": [{"start": "2026-12-01T21:00:00Z", "end": "2026-12-01T22:10:00Z", "name": "deploy"}],
                "recurring": [
                    {"days": ["tue"], "start": "22:00", "end": "23:00", "timezone": "UTC", "name": "nightly"},
                    {"days": ["tue", "wed"], "start": "22:30", "end": "06:00", "timezone": "Europe/Paris"},
                ],
            }
        ),
        _hours("2026-12-01T20:00:00+00:00", 16, 30),
    ),
]

# (name, malformed document text): each must fail with the error the Python parser gives.
_BIG = json.dumps(
    {"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-01T23:00:00Z", "name": "x" * 90}] * 80}
)
MALFORMED: list[tuple[str, str]] = [
    ("empty", ""),
    ("blank", "  \n\t "),
    ("bom", "\ufeff{}"),
    ("too-large", _BIG),
    ("json-array", "[1, 2]"),
    ("json-number", "42"),
    ("json-true", "true"),
    ("json-null", "null"),
    ("json-string", '"2026-12-01T22:00:00Z,2026-12-01T23:00:00Z"'),
    ("invalid-json-trailing-comma", '{"mode": "auto",}'),
    ("invalid-json-no-colon", '{"mode" "auto"}'),
    ("invalid-json-unterminated", '{"mode": "auto'),
    ("invalid-json-bad-escape", '{"mode": "a\\xb"}'),
    ("invalid-json-bad-unicode-escape", '{"mode": "\\u12g4"}'),
    ("invalid-json-control-character", '{"mode": "a\tb"}'),
    ("invalid-json-extra-data", '{"mode": "auto"} x'),
    ("invalid-json-multiline", '{\n  "mode": "auto",\n  "windows": [\n    {"start": }\n  ]\n}'),
    ("invalid-json-single-quotes", "{'mode': 'auto'}"),
    ("invalid-json-missing-value", '{"windows": [1,]}'),
    ("invalid-json-non-ascii-position", '{"name": "café", "x": }'),
    ("invalid-json-long-text-clipped", '{"mode": "auto", "windows": [' + ", ".join(["{}"] * 40) + ", oops]}"),
    ("duplicate-key", '{"mode": "auto", "mode": "live"}'),
    ("duplicate-key-nested", '{"windows": [{"start": "a", "start": "b"}]}'),
    ("unknown-top-level-key", '{"mode": "auto", "window": []}'),
    ("mode-unknown", '{"mode": "off"}'),
    ("mode-number", '{"mode": 1}'),
    ("mode-null", '{"mode": null}'),
    ("mode-upper-case", '{"mode": "AUTO"}'),
    ("windows-not-list", '{"windows": {"start": "x"}}'),
    ("recurring-not-list", '{"recurring": "daily"}'),
    ("window-not-object", '{"windows": ["2026-12-01T22:00:00Z"]}'),
    ("window-unknown-key", '{"windows": [{"start": "2026-12-01T22:00:00Z", "stop": "x"}]}'),
    ("window-start-missing", '{"windows": [{"end": "2026-12-01T22:00:00Z"}]}'),
    ("window-end-missing", '{"windows": [{"start": "2026-12-01T22:00:00Z"}]}'),
    ("window-start-number", '{"windows": [{"start": 1796162400, "end": "2026-12-01T22:00:00Z"}]}'),
    ("window-start-float", '{"windows": [{"start": 1.5e16, "end": "x"}]}'),
    ("window-start-list", '{"windows": [{"start": ["a", 1, null, true, 2.5], "end": "x"}]}'),
    ("window-start-object", '{"windows": [{"start": {"a": [1e-7, "b\'c"]}, "end": "x"}]}'),
    ("window-no-offset", '{"windows": [{"start": "2026-12-01T22:00:00", "end": "2026-12-01T23:00:00Z"}]}'),
    ("window-date-only", '{"windows": [{"start": "2026-12-01", "end": "2026-12-02"}]}'),
    ("window-basic-format", '{"windows": [{"start": "20261201T220000Z", "end": "x"}]}'),
    ("window-bad-month", '{"windows": [{"start": "2026-13-01T22:00:00Z", "end": "x"}]}'),
    ("window-bad-day", '{"windows": [{"start": "2026-02-29T22:00:00Z", "end": "x"}]}'),
    ("window-leap-day-ok-bad-end", '{"windows": [{"start": "2028-02-29T22:00:00Z", "end": "2028-02-30T00:00:00Z"}]}'),
    ("window-hour-24", '{"windows": [{"start": "2026-12-01T24:00:00Z", "end": "x"}]}'),
    ("window-second-60", '{"windows": [{"start": "2026-12-01T23:59:60Z", "end": "x"}]}'),
    ("window-offset-24h", '{"windows": [{"start": "2026-12-01T22:00:00+24:00", "end": "x"}]}'),
    (
        "window-offset-minutes-99",
        '{"windows": [{"start": "2026-12-01T22:00:00+00:99", "end": "2026-12-01T20:21:00Z"}]}',
    ),
    ("window-seven-digit-fraction", '{"windows": [{"start": "2026-12-01T22:00:00.1234567Z", "end": "x"}]}'),
    ("window-arabic-digits", '{"windows": [{"start": "٢٠٢٦-12-01T22:00:00Z", "end": "x"}]}'),
    ("window-year-too-small", '{"windows": [{"start": "1999-12-31T23:00:00Z", "end": "2026-01-01T00:00:00Z"}]}'),
    ("window-year-too-large", '{"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2200-01-01T00:00:00+01:00"}]}'),
    ("window-year-zero", '{"windows": [{"start": "0000-12-01T22:00:00Z", "end": "x"}]}'),
    ("window-end-before-start", '{"windows": [{"start": "2026-12-01T23:00:00Z", "end": "2026-12-01T22:00:00Z"}]}'),
    ("window-end-equals-start", '{"windows": [{"start": "2026-12-01T23:00:00Z", "end": "2026-12-02T00:00:00+01:00"}]}'),
    (
        "window-name-empty",
        '{"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-01T23:00:00Z", "name": ""}]}',
    ),
    (
        "window-name-too-long",
        json.dumps({"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-01T23:00:00Z", "name": "n" * 101}]}),
    ),
    (
        "window-name-number",
        '{"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-01T23:00:00Z", "name": 7}]}',
    ),
    (
        "window-name-lone-surrogate",
        '{"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-01T23:00:00Z", "name": "a\\ud800b"}]}',
    ),
    ("second-window-bad", '{"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-01T23:00:00Z"}, 5]}'),
    ("recurring-not-object", '{"recurring": [null]}'),
    ("recurring-unknown-key", '{"recurring": [{"start": "01:00", "end": "02:00", "timezone": "UTC", "tz": 1}]}'),
    ("recurring-start-missing", '{"recurring": [{"end": "02:00", "timezone": "UTC"}]}'),
    ("recurring-start-bad", '{"recurring": [{"start": "1:00", "end": "02:00", "timezone": "UTC"}]}'),
    ("recurring-start-24", '{"recurring": [{"start": "24:00", "end": "02:00", "timezone": "UTC"}]}'),
    ("recurring-start-seconds-60", '{"recurring": [{"start": "01:00:60", "end": "02:00", "timezone": "UTC"}]}'),
    ("recurring-start-number", '{"recurring": [{"start": 100, "end": "02:00", "timezone": "UTC"}]}'),
    ("recurring-end-bad", '{"recurring": [{"start": "01:00", "end": "2pm", "timezone": "UTC"}]}'),
    ("recurring-end-equals-start", '{"recurring": [{"start": "01:00", "end": "01:00:00", "timezone": "UTC"}]}'),
    ("recurring-timezone-missing", '{"recurring": [{"start": "01:00", "end": "02:00"}]}'),
    ("recurring-timezone-unknown", '{"recurring": [{"start": "01:00", "end": "02:00", "timezone": "Mars/Olympus"}]}'),
    ("recurring-timezone-case", '{"recurring": [{"start": "01:00", "end": "02:00", "timezone": "europe/berlin"}]}'),
    ("recurring-timezone-number", '{"recurring": [{"start": "01:00", "end": "02:00", "timezone": 1}]}'),
    ("recurring-timezone-alias-only", '{"recurring": [{"start": "01:00", "end": "02:00", "timezone": "localtime"}]}'),
    ("recurring-days-empty", '{"recurring": [{"start": "01:00", "end": "02:00", "timezone": "UTC", "days": []}]}'),
    ("recurring-days-null", '{"recurring": [{"start": "01:00", "end": "02:00", "timezone": "UTC", "days": null}]}'),
    ("recurring-days-string", '{"recurring": [{"start": "01:00", "end": "02:00", "timezone": "UTC", "days": "mon"}]}'),
    (
        "recurring-day-unknown",
        '{"recurring": [{"start": "01:00", "end": "02:00", "timezone": "UTC", "days": ["mon", "Tue"]}]}',
    ),
    ("recurring-day-number", '{"recurring": [{"start": "01:00", "end": "02:00", "timezone": "UTC", "days": [0]}]}'),
    (
        "recurring-day-twice",
        '{"recurring": [{"start": "01:00", "end": "02:00", "timezone": "UTC", "days": ["fri", "fri"]}]}',
    ),
    (
        "recurring-name-bad",
        '{"recurring": [{"start": "01:00", "end": "02:00", "timezone": "UTC", "name": ["x"]}]}',
    ),
    ("legacy-one-item", "2026-12-01T22:00:00Z"),
    ("legacy-three-items", "2026-12-01T22:00:00Z,2026-12-01T23:00:00Z,2026-12-02T00:00:00Z"),
    ("legacy-bad-start", "tomorrow,2026-12-01T23:00:00Z"),
    ("legacy-bad-end", "2026-12-01T22:00:00Z,2026-12-01T23:00:00"),
    ("legacy-end-before-start", "2026-12-01T23:00:00Z,2026-12-01T22:00:00Z"),
    ("legacy-looks-like-number", "-1"),
    ("not-json-not-legacy", "maintenance"),
    ("long-value-clipped", "x" * 100 + ",y"),
    ("repr-quotes", 'it\'s,"quoted"'),
    ("repr-both-quotes", 'it\'s "both",x'),
    ("repr-controls", "a\x01b\x7f\u00a0\u2028c,d"),
]

# Valid documents: each parses, and to_json gives back the canonical form.
VALID: list[tuple[str, str]] = [
    ("default-days-and-seconds", '{"recurring": [{"start": "01:00:30", "end": "01:00", "timezone": "UTC"}]}'),
    ("time-with-final-newline", '{"recurring": [{"start": "01:00\\n", "end": "02:00", "timezone": "UTC"}]}'),
    ("time-with-arabic-digit", '{"recurring": [{"start": "0\u0661:00", "end": "02:00", "timezone": "UTC"}]}'),
    ("days-sorted", '{"recurring": [{"start": "01:00", "end": "02:00", "timezone": "UTC", "days": ["sun", "mon"]}]}'),
    (
        "name-null-is-none",
        '{"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-01T23:00:00Z", "name": null}]}',
    ),
    (
        "name-unicode",
        '{"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-01T23:00:00Z", '
        '"name": "D\\u00e9ploiement \\ud83d\\ude80"}]}',
    ),
    ("offset-minutes-99", '{"windows": [{"start": "2026-12-01T22:00:00+00:99", "end": "2026-12-01T23:00:00Z"}]}'),
    ("lower-case-t-and-z", '{"windows": [{"start": "2026-12-01t22:00z", "end": "2026-12-01 23:00:00.000001-00:00"}]}'),
    ("whitespace-around", '  \n{"mode": "live"}\n  '),
    ("legacy-with-spaces", "  2026-12-01T22:00:00+05:30 ,  2026-12-01T23:00:00+05:30 "),
]


# Seeded random windows: zones with odd offsets and transitions, random times, days and
# instants (half of them within hours of a transition of 2026), for breadth beyond the
# hand-written cases above.
RANDOM_ZONES = (
    "Europe/Berlin",
    "Europe/Dublin",
    "America/New_York",
    "America/St_Johns",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kathmandu",
    "Asia/Tehran",
    "Antarctica/Troll",
    "UTC",
)
RANDOM_SEED = 18


def random_decisions(count: int = 60, instants: int = 8) -> list[tuple[str, str, list[str]]]:
    import random
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    rng = random.Random(RANDOM_SEED)
    out = []
    for index in range(count):
        zone = rng.choice(RANDOM_ZONES)
        windows = []
        for _ in range(rng.randint(1, 3)):
            start = f"{rng.randrange(24):02d}:{rng.choice((0, 15, 30, 45, 59)):02d}"
            end = f"{rng.randrange(24):02d}:{rng.choice((0, 1, 30, 45)):02d}"
            if rng.random() < 0.2:
                end += f":{rng.randrange(1, 60):02d}"
            if start == end:
                end = "23:59:59"
            window: dict[str, Any] = {"start": start, "end": end, "timezone": zone}
            if rng.random() < 0.7:
                window["days"] = rng.sample(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], rng.randint(1, 7))
            windows.append(window)
        text = json.dumps({"recurring": windows})
        # Instants: some anywhere in 2026, some near the zone's own transitions.
        tz = ZoneInfo(zone)
        moments = []
        for _ in range(instants):
            base = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(365 * 86400))
            if rng.random() < 0.5:
                probe = base
                for _ in range(400):
                    before = probe.astimezone(tz).utcoffset()
                    probe += timedelta(hours=6)
                    if probe.astimezone(tz).utcoffset() != before:
                        base = probe - timedelta(minutes=rng.randrange(0, 12 * 60, 7))
                        break
            moments.append(base.isoformat())
        out.append((f"random-{index:02d}-{zone}", text, moments))
    return out


def fuzzed_documents(count: int = 160) -> list[tuple[str, str]]:
    """Valid documents with a few characters deleted, replaced or inserted: parsed or refused, as Python says."""
    import random

    rng = random.Random(RANDOM_SEED)
    sources = [text for _, text, _ in DECISIONS] + [text for _, text in VALID]
    alphabet = '{}[]",: 0129-+TZzabmondaysé\\u\n\t'
    out = []
    for index in range(count):
        text = list(rng.choice(sources))
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(text) + 1)
            action = rng.random()
            if action < 0.4 and position < len(text):
                del text[position]
            elif action < 0.7 and position < len(text):
                text[position] = rng.choice(alphabet)
            else:
                text.insert(position, rng.choice(alphabet))
        out.append((f"fuzz-{index:03d}", "".join(text)))
    return out
