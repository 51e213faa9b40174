"""Immutable records for the gate's init path: ``typing.NamedTuple`` without importing ``typing``.

Importing ``typing`` costs about 2.5 ms of every cold start of a function that does not
load it itself (measured in docs/benchmarks.md). The type checker sees ``typing.NamedTuple``;
at run time the same class body becomes a plain ``collections.namedtuple`` class, the way
``typing`` builds it: fields in annotation order, defaults from the class body, every other
attribute (methods, docstring) copied on.
"""

from __future__ import annotations

from collections import namedtuple

__all__ = ["NamedTuple"]

TYPE_CHECKING = False  # not typing's: importing typing is what this module spares

if TYPE_CHECKING:
    from typing import NamedTuple
else:
    # What typing.NamedTuple refuses to override, and what it leaves to namedtuple.
    _PROHIBITED = frozenset(
        {
            "__new__",
            "__init__",
            "__slots__",
            "__getnewargs__",
            "_fields",
            "_field_defaults",
            "_make",
            "_replace",
            "_asdict",
            "_source",
        }
    )
    _SPECIAL = frozenset({"__module__", "__name__", "__annotations__", "__annotate__", "__qualname__"})

    def _field_names(namespace: dict) -> list:
        if "__annotations__" in namespace:  # every gate module uses ``from __future__ import annotations``
            return list(namespace["__annotations__"])
        if "__annotate__" in namespace:  # Python 3.14 without that import: annotations are lazy
            import annotationlib

            return list(
                annotationlib.call_annotate_function(namespace["__annotate__"], annotationlib.Format.FORWARDREF)
            )
        return []

    class _NamedTupleMeta(type):
        def __new__(cls, name: str, bases: tuple, namespace: dict) -> type:
            if namespace.get("_root", False):
                return super().__new__(cls, name, bases, namespace)
            if bases != (NamedTuple,):
                raise TypeError("a record subclasses NamedTuple alone")
            if "__classcell__" in namespace:
                raise TypeError(f"{name}: a record's methods cannot use super() or __class__")
            fields = _field_names(namespace)
            defaults = []
            for field in fields:
                if field in namespace:
                    defaults.append(namespace[field])
                elif defaults:
                    raise TypeError(f"Non-default namedtuple field {field} cannot follow default field")
            record = namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])
            for key, value in namespace.items():
                if key in _PROHIBITED:
                    raise AttributeError(f"Cannot overwrite NamedTuple attribute {key}")
                if key not in _SPECIAL and key not in record._fields:
                    setattr(record, key, value)
            record.__qualname__ = namespace.get("__qualname__", name)
            return record

    class NamedTuple(metaclass=_NamedTupleMeta):
        _root = True
