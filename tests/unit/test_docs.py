"""The docs name tests as proof; every named test file and test function must exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gate.local.checkout import REPOSITORY_ROOT

DOCS = sorted([REPOSITORY_ROOT / "README.md", *(REPOSITORY_ROOT / "docs").glob("*.md")])
_NAMED_TEST = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`")


def named_tests(doc: Path) -> list[tuple[str, str | None]]:
    return [(match.group(1), match.group(2)) for match in _NAMED_TEST.finditer(doc.read_text())]


@pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
def test_every_test_a_doc_names_exists(doc: Path) -> None:
    missing = []
    for file, function in named_tests(doc):
        path = REPOSITORY_ROOT / file
        if not path.is_file():
            missing.append(file)
        elif function and not re.search(rf"^\s*(async )?def {function}\b", path.read_text(), flags=re.MULTILINE):
            missing.append(f"{file}::{function}")

    assert not missing, f"{doc.name} names tests that do not exist: {missing}"


def test_the_guarantees_name_tests_at_all() -> None:
    # Guards the pattern above: a docs format change must not make the check vacuous.
    assert len(named_tests(REPOSITORY_ROOT / "docs" / "guarantees.md")) > 50
