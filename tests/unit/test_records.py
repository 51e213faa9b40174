"""gate.records.NamedTuple builds, without importing typing, the class typing.NamedTuple builds."""

from __future__ import annotations

import pickle
import subprocess
import sys
import typing
from datetime import datetime, timedelta, timezone

import pytest

from gate import records
from gate.window.document import AbsoluteWindow


class Ours(records.NamedTuple):
    """A record with a default, a method and a classmethod."""

    name: str
    size: int = 1
    tags: tuple[str, ...] = ()

    def doubled(self) -> int:
        return self.size * 2

    @classmethod
    def named(cls, name: str) -> Ours:
        return cls(name)


class Theirs(typing.NamedTuple):
    """A record with a default, a method and a classmethod."""

    name: str
    size: int = 1
    tags: tuple[str, ...] = ()

    def doubled(self) -> int:
        return self.size * 2

    @classmethod
    def named(cls, name: str) -> Theirs:
        return cls(name)


def test_the_record_has_typings_fields_defaults_methods_and_behaviour() -> None:
    ours, theirs = Ours("a", 3), Theirs("a", 3)

    assert Ours._fields == Theirs._fields == ("name", "size", "tags")
    assert Ours._field_defaults == Theirs._field_defaults == {"size": 1, "tags": ()}
    assert repr(ours) == repr(theirs).replace("Theirs", "Ours") == "Ours(name='a', size=3, tags=())"
    assert tuple(ours) == tuple(theirs) and ours == theirs and hash(ours) == hash(theirs)
    assert ours.doubled() == theirs.doubled() == 6
    assert Ours.named("b") == Ours("b", 1, ()) and type(Ours.named("b")) is Ours
    assert ours._replace(size=4) == Ours("a", 4) and ours._asdict() == theirs._asdict()
    assert Ours.__doc__ == Theirs.__doc__
    assert Ours.__module__ == Theirs.__module__ == __name__
    assert Ours.__qualname__ == "Ours"
    assert issubclass(Ours, tuple) and not issubclass(Ours, records.NamedTuple)
    with pytest.raises(AttributeError):
        ours.size = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        Ours()  # type: ignore[call-arg]


def test_a_gate_record_pickles_and_keeps_its_methods() -> None:
    start = datetime(2026, 12, 6, 2, 0, tzinfo=timezone.utc)
    window = AbsoluteWindow(start, start + timedelta(hours=1))

    assert pickle.loads(pickle.dumps(window)) == window and type(pickle.loads(pickle.dumps(window))) is AbsoluteWindow
    assert window.name is None
    assert window.to_json() == {"start": "2026-12-06T02:00:00+00:00", "end": "2026-12-06T03:00:00+00:00"}


def test_a_field_without_a_default_after_one_with_a_default_is_refused() -> None:
    with pytest.raises(TypeError, match="Non-default namedtuple field late cannot follow default field"):

        class Wrong(records.NamedTuple):
            early: int = 0
            late: int  # type: ignore[misc]


def test_namedtuples_own_attributes_cannot_be_overwritten() -> None:
    with pytest.raises(AttributeError, match="_replace"):

        class Wrong(records.NamedTuple):
            value: int

            def _replace(self) -> None:  # type: ignore[override]
                pass


def test_importing_the_records_module_does_not_import_typing() -> None:
    code = "import sys, gate.records; print('typing' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)

    assert result.stdout.strip() == "False"
