"""The shared vectors (tests/vectors/*.json): current with the Python gate, and still its answers.

The Go proxy's tests read the same files (proxy/internal/*/..._test.go), so a vector that
went stale would let the two languages drift apart unseen. Regenerate with
``python -m tests.vectors.generate`` after changing the gate on purpose.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gate.config import GateConfig, GateConfigError
from gate.window.decide import decide
from gate.window.document import WindowDocumentError, parse_document
from tests.vectors import generate

REGENERATE = "stale; regenerate with: python -m tests.vectors.generate"


def committed(name: str) -> Any:
    return json.loads((generate.VECTORS_DIR / name).read_text(encoding="ascii"))


@pytest.mark.parametrize("name", sorted(generate.FILES))
def test_each_committed_vector_file_is_what_the_gate_generates_now(name: str) -> None:
    path = generate.VECTORS_DIR / name

    assert path.read_text(encoding="ascii") == generate.render(name), f"tests/vectors/{name} is {REGENERATE}"


def test_the_go_parser_knows_the_zones_the_python_parser_knows() -> None:
    copy: Path = generate.ZONES_COPY

    assert copy.read_text(encoding="utf-8") == generate.zones_text(), f"{copy.name} is {REGENERATE}"


def test_each_decision_vector_is_still_the_gates_decision() -> None:
    vectors = committed("window.json")["decisions"]

    for vector in vectors:
        decision = decide(parse_document(vector["document"]), datetime.fromisoformat(vector["now"]))
        assert generate._decision(decision) == vector["decision"], vector["name"]


def test_each_malformed_vector_still_fails_naming_its_field() -> None:
    for vector in committed("window.json")["errors"]:
        with pytest.raises(WindowDocumentError) as caught:
            parse_document(vector["document"])
        assert (caught.value.field, str(caught.value)) == (vector["field"], vector["message"]), vector["name"]


def test_each_settings_vector_is_still_how_the_gate_reads_them() -> None:
    for vector in committed("settings.json"):
        if "error" in vector:
            with pytest.raises(GateConfigError) as caught:
                GateConfig.from_env(vector["env"])
            assert str(caught.value) == vector["error"], vector["name"]
        else:
            assert generate._config(GateConfig.from_env(vector["env"])) == vector["config"], vector["name"]


def test_the_vectors_cover_what_both_languages_must_agree_on() -> None:
    window = committed("window.json")
    names = {vector["name"] for vector in window["decisions"]}
    callers = committed("callers.json")
    kinds = {(event["kind"], event["source"]) for event in callers["events"]}
    records = committed("records.json")

    assert {"legacy-list", "weekly-crosses-midnight", "dst-spring-start-in-gap-starts-at-the-jump"} <= names
    assert {"dst-autumn-overlap-means-first-occurrence", "absolute-half-open"} <= names
    assert {vector["decision"]["defer"] for vector in window["decisions"]} == {True, False}
    assert {kind for kind, _ in kinds} == {"http", "immediate", "ordered", "stored", "durable"}
    assert callers["durable_failures"]
    assert {"alb", "sqs-fifo", "s3-batch", "cloudformation-custom-resource", "unknown"} <= {s for _, s in kinds}
    assert sum(event["name"].startswith("sam:") for event in callers["events"]) >= 30
    assert {"stored", "requeued"} <= {
        json.loads(line)["outcome"]
        for event in callers["events"]
        for answer in [*event["answers"].values(), *event["replays"].values()]
        for line in answer["lines"]
        if '"outcome"' in line
    }
    assert {record["encoding"] for record in records["records"]} == {"json", "json+zlib"}
    assert any(record["overflow_object"] for record in records["records"])
    assert {case["accepted"] for case in records["requeue"]} == {True, False}


def test_every_go_test_the_docs_name_exists() -> None:
    # tests/unit/test_docs.py checks the Python tests the docs name; this, the Go ones
    # (`proxy/....go`: `TestName`, ...).
    named = re.compile(r"`(proxy/[\w/]+_test\.go)`: ((?:`Test\w+`(?:, )?)+)")
    root = generate.REPOSITORY
    found = 0
    missing = []
    for doc in sorted((root / "docs").glob("*.md")):
        for match in named.finditer(doc.read_text()):
            path = root / match.group(1)
            source = path.read_text() if path.is_file() else ""
            for name in re.findall(r"`(Test\w+)`", match.group(2)):
                found += 1
                if not re.search(rf"^func {name}\(t \*testing\.T\)", source, flags=re.MULTILINE):
                    missing.append(f"{match.group(1)}: {name}")

    assert found >= 10
    assert not missing, f"the docs name Go tests that do not exist: {missing}"
