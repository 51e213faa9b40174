"""One decoder of records: the table's attribute names live in three modules, and only ``Record`` reads them.

The rules, checked on the source of every module of ``gate/`` and
``maintenance_gate_pulumi/``:

- an attribute-name constant of ``gate/deferral/table.py`` is referred to only in
  table.py itself, the store's writer (``gate/deferral/store.py``) and
  ``gate/replay/records.py`` (``Record`` and the queries that project its fields);
  other writers name attributes through ``table.PLACEHOLDERS``;
- a stored item's attribute is read (``item[name]``, ``item.get(name)``, by constant,
  or by a string equal to an attribute name followed by a DynamoDB type such as
  ``["S"]``) only inside ``class Record``.
"""

from __future__ import annotations

import ast

import pytest

from gate.deferral import table as schema
from gate.local.checkout import REPOSITORY_ROOT

NAMING_MODULES = {
    "gate/deferral/table.py": "defines the names",
    "gate/deferral/store.py": "the store's writer builds the record",
    "gate/replay/records.py": "Record decodes it; its queries project Record's fields",
}
DECODER = "Record"
SCANNED = ("gate", "maintenance_gate_pulumi")

ATTRIBUTE_CONSTANTS = {
    name
    for name, value in vars(schema).items()
    if name.isupper() and isinstance(value, str) and value in schema.ATTRIBUTES
}
_TYPE_KEYS = {"S", "N", "B", "SS", "NS", "BS", "BOOL", "NULL", "L", "M"}


def violations(source: str, path: str) -> list[str]:
    """Where ``source`` (the module at ``path``) names or reads a record attribute against the rules."""
    tree = ast.parse(source)
    modules, direct = _table_imports(tree)
    may_name = path in NAMING_MODULES
    found: list[str] = []

    def is_constant(node: ast.AST) -> bool:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            return node.attr in ATTRIBUTE_CONSTANTS
        return isinstance(node, ast.Name) and node.id in direct

    def read_key(node: ast.AST) -> ast.AST | None:
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            return node.slice
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
        ):
            return node.args[0]
        return None

    def read_target(node: ast.AST) -> ast.AST | None:
        return node.value if isinstance(node, ast.Subscript) else getattr(node.func, "value", None)  # type: ignore[attr-defined]

    def visit(node: ast.AST, in_decoder: bool) -> None:
        if isinstance(node, ast.ClassDef) and node.name == DECODER:
            in_decoder = True
        if not may_name and is_constant(node):
            found.append(f"{path}:{node.lineno}: names a record attribute (only {sorted(NAMING_MODULES)} may)")  # type: ignore[attr-defined]
        key = read_key(node)
        if key is not None and not in_decoder:
            attribute_read = is_constant(key)
            if isinstance(key, ast.Constant) and key.value in _TYPE_KEYS:
                inner = read_target(node)
                inner_key = read_key(inner) if inner is not None else None
                attribute_read |= isinstance(inner_key, ast.Constant) and inner_key.value in schema.ATTRIBUTES
            if attribute_read:
                found.append(f"{path}:{node.lineno}: reads a stored item's attribute outside {DECODER}")  # type: ignore[attr-defined]
        for child in ast.iter_child_nodes(node):
            visit(child, in_decoder)

    visit(tree, in_decoder=False)
    return found


def _table_imports(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Local names bound to the table module, and to its attribute-name constants."""
    modules: set[str] = set()
    direct: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "gate.deferral":
            modules |= {alias.asname or alias.name for alias in node.names if alias.name == "table"}
        elif isinstance(node, ast.ImportFrom) and node.module == "gate.deferral.table":
            direct |= {alias.asname or alias.name for alias in node.names if alias.name in ATTRIBUTE_CONSTANTS}
        elif isinstance(node, ast.Import):
            modules |= {alias.asname for alias in node.names if alias.name == "gate.deferral.table" and alias.asname}
    return modules, direct


def test_only_the_table_the_store_and_record_name_attributes_and_only_record_reads_them() -> None:
    found: list[str] = []
    for folder in SCANNED:
        for module in sorted((REPOSITORY_ROOT / folder).rglob("*.py")):
            path = module.relative_to(REPOSITORY_ROOT).as_posix()
            found += violations(module.read_text(encoding="utf-8"), path)
    assert found == []


def test_every_attribute_constant_is_listed_and_every_placeholder_names_one() -> None:
    assert len(ATTRIBUTE_CONSTANTS) == len(schema.ATTRIBUTES) == len(set(schema.ATTRIBUTES))
    assert set(schema.PLACEHOLDERS.values()) <= set(schema.ATTRIBUTES)
    keys = [part["AttributeName"] for part in schema.table_definition()["AttributeDefinitions"]]
    assert set(keys) | set(schema.QUEUE_INDEX_INCLUDE) <= set(schema.ATTRIBUTES)


@pytest.mark.parametrize(
    "source",
    [
        "from gate.deferral import table as schema\nvalue = record_item.get(schema.FUNCTION_ARN)\n",
        "from gate.deferral.table import CLIENT_CONTEXT\nx = CLIENT_CONTEXT\n",
        'text = item["client_context"]["S"]\n',
        'text = item.get("failed_items", {}).get("SS")\n',
        "import gate.deferral.table as t\nnames = {'#s': t.STATUS}\n",
    ],
)
def test_the_check_finds_a_reader_beside_record(source: str) -> None:
    assert violations(source, "gate/cli/deferred.py") != []


def test_the_check_lets_record_read_and_the_store_write() -> None:
    decoder = (
        "from gate.deferral import table as schema\n"
        "class Record:\n    def f(self, item):\n        return item[schema.STATUS]['S']\n"
    )
    writer = "from gate.deferral import table as schema\nitem = {}\nitem[schema.EVENT] = {'B': b''}\n"
    assert violations(decoder, "gate/replay/records.py") == []
    assert violations(writer, "gate/deferral/store.py") == []
    # ... and a receipt that merely has a key named like an attribute is not a record
    assert violations('events = [entry["event"] for entry in receipts]\n', "gate/local/demo.py") == []
