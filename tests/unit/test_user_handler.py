"""resolve_handler fails exactly as awslambdaric's own handler lookup does."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from awslambdaric import bootstrap
from awslambdaric.lambda_runtime_exception import FaultException

from gate.user_handler import resolve_handler


@pytest.fixture
def task_root(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "good.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "broken.py").write_text("import no_such_dependency_xyz\n")
    (tmp_path / "syntax.py").write_text("def handler(:\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "app.py").write_text("def run(event, context):\n    return 'nested'\n")
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in ("good", "broken", "syntax", "pkg", "pkg.app"):
        sys.modules.pop(name, None)


def test_a_handler_resolves_with_dots_or_slashes(task_root: Path) -> None:
    assert resolve_handler("good.handler")({"a": 1}, None) == {"a": 1}
    assert resolve_handler("pkg/app.run")(None, None) == "nested"


@pytest.mark.parametrize(
    "name", ["broken.handler", "syntax.handler", "good.missing", "nodots", "sys.handler", "absent_module.handler"]
)
def test_failures_match_awslambdaric(task_root: Path, name: str) -> None:
    with pytest.raises(FaultException) as ours:
        resolve_handler(name)
    with pytest.raises(FaultException) as theirs:
        bootstrap._get_handler(name)

    assert (ours.value.exception_type, ours.value.msg) == (theirs.value.exception_type, theirs.value.msg)
