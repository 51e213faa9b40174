"""Malformed window documents: one clear error naming the field and value, and the gate unmoved."""

from __future__ import annotations

import itertools
import json
import shutil
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest
import tzdata

from gate.config import FailMode
from gate.window.cache import WindowSource
from gate.window.document import WindowDocumentError, parse_document
from tests.faults.malformed_documents import MALFORMED_DOCUMENTS, VALID_EDGE_DOCUMENTS, MalformedDocument
from tests.faults.support import MAINTENANCE, logged, metric_values, telemetry_records


def test_the_corpus_has_at_least_25_distinct_cases() -> None:
    assert len(MALFORMED_DOCUMENTS) >= 25
    assert len({case.id for case in MALFORMED_DOCUMENTS}) == len(MALFORMED_DOCUMENTS)
    assert len({case.text for case in MALFORMED_DOCUMENTS}) == len(MALFORMED_DOCUMENTS)


@pytest.mark.parametrize("case", MALFORMED_DOCUMENTS, ids=[case.id for case in MALFORMED_DOCUMENTS])
def test_a_malformed_document_is_refused_naming_the_field_and_the_value(case: MalformedDocument) -> None:
    with pytest.raises(WindowDocumentError) as failure:
        parse_document(case.text)

    assert failure.value.field == case.field
    message = str(failure.value)
    assert message.startswith(f"{case.field}: ")
    assert case.shown in message
    assert len(message) < 400  # a clear message, not the whole document


@pytest.mark.parametrize("name", VALID_EDGE_DOCUMENTS)
def test_a_document_at_the_edge_of_the_rules_parses_and_writes_back_the_same(name: str) -> None:
    document = parse_document(VALID_EDGE_DOCUMENTS[name])

    assert parse_document(document.dumps()) == document


def test_malformed_documents_in_ssm_leave_the_last_good_one_in_force(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the gate read a maintenance document
    texts = itertools.chain([MAINTENANCE], (case.text for case in MALFORMED_DOCUMENTS))
    clock = itertools.count(start=1_800_000_000, step=60)
    source = WindowSource(lambda: next(texts), ttl_seconds=10.0, fail_mode=FailMode.LIVE, clock=lambda: next(clock))
    assert source.prime().defer
    capsys.readouterr()

    # WHEN every malformed document in turn is what a refresh reads
    decisions = [source.current() for _ in MALFORMED_DOCUMENTS]

    # THEN the maintenance document stayed in force, with no exception
    assert {decision.reason for decision in decisions} == {"mode is maintenance"}
    assert source.fetch_count == 1 + len(MALFORMED_DOCUMENTS)
    # ... and the refusal was logged once, with the first bad document's message, and counted each time
    records = telemetry_records(capsys.readouterr().out)
    [warning] = logged(records, "window document refresh failed")
    assert (warning["error"], warning["detail"]) == ("InvalidDocument", _message(MALFORMED_DOCUMENTS[0].text))
    assert metric_values(records, "ConfigErrors") == [1] * len(MALFORMED_DOCUMENTS)


@pytest.fixture
def machine_only_zone(tmp_path: Path) -> Iterator[str]:
    """A time-zone database path holding a zone ('localtime') that the layer's tzdata does not have."""
    shutil.copy(Path(tzdata.__file__).parent / "zoneinfo" / "UTC", tmp_path / "localtime")
    zoneinfo.reset_tzpath(to=[str(tmp_path)])
    zoneinfo.ZoneInfo.clear_cache()
    yield "localtime"
    zoneinfo.reset_tzpath()
    zoneinfo.ZoneInfo.clear_cache()


def test_a_zone_only_this_machine_knows_is_refused(machine_only_zone: str) -> None:
    text = json.dumps({"recurring": [{"start": "01:00", "end": "02:00", "timezone": machine_only_zone}]})

    with pytest.raises(WindowDocumentError) as failure:
        parse_document(text)

    assert failure.value.field == "recurring[0].timezone"


def test_a_lone_surrogate_is_refused_so_every_accepted_document_writes_back_as_utf8() -> None:
    text = '{"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-02T02:00:00Z", "name": "\\ud800"}]}'

    with pytest.raises(WindowDocumentError) as failure:
        parse_document(text)

    assert failure.value.field == "windows[0].name"
    assert "'\\ud800'" in str(failure.value)


def test_an_accepted_name_beyond_the_bmp_writes_back_as_utf8() -> None:
    text = '{"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-02T02:00:00Z", "name": "\\ud83d\\ude80"}]}'

    document = parse_document(text)

    assert parse_document(document.dumps().encode("utf-8").decode("utf-8")) == document


def _message(text: str) -> str:
    try:
        parse_document(text)
    except WindowDocumentError as exc:
        return str(exc)
    raise AssertionError(f"{text!r} parsed")
