"""The layering docs/architecture.md draws, checked on the imports themselves.

Each capability may import only the ones below it; nothing the layer ships imports
the operator-only packages or a library the Lambda runtime does not have.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gate.local.checkout import REPOSITORY_ROOT

GATE = REPOSITORY_ROOT / "gate"
BASE = {"gate", "gate.config", "gate.aws", "gate.records", "gate.telemetry", "gate.types", "gate.user_handler"}
# A package of gate/ and the gate modules it may import besides its own (and BASE).
MAY_IMPORT: dict[str, set[str]] = {
    "gate.window": set(),
    "gate.callers": {"gate.window"},
    "gate.deferral": {"gate.window", "gate.callers"},
    "gate.replay": {"gate.window", "gate.callers", "gate.deferral"},
}
OPERATOR_ONLY = ("gate.cli", "gate.local")
NOT_ON_LAMBDA = {"click", "rich", "yaml", "pulumi", "pulumi_aws", "moto", "hypothesis", "pytest"}


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPOSITORY_ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def shipped_modules() -> list[Path]:
    return sorted(
        path for path in GATE.rglob("*.py") if not module_name(path).startswith((*OPERATOR_ONLY, "gate.__main__"))
    )


def capability_of(module: str) -> str | None:
    return next((package for package in MAY_IMPORT if module == package or module.startswith(package + ".")), None)


@pytest.mark.parametrize("path", shipped_modules(), ids=module_name)
def test_shipped_modules_import_nothing_operator_only(path: Path) -> None:
    imported = imports_of(path)

    assert not {name for name in imported if name.startswith(OPERATOR_ONLY)}
    assert not {name.split(".")[0] for name in imported} & NOT_ON_LAMBDA


@pytest.mark.parametrize(
    "path", [path for path in shipped_modules() if capability_of(module_name(path))], ids=module_name
)
def test_each_capability_imports_only_the_ones_below_it(path: Path) -> None:
    module = module_name(path)
    own = capability_of(module)
    assert own is not None
    allowed = {own, *MAY_IMPORT[own]}

    gate_imports = {name for name in imports_of(path) if name == "gate" or name.startswith("gate.")}
    reaching_up = {
        name
        for name in gate_imports
        if name not in BASE
        and not name.startswith(tuple(f"{base}." for base in BASE - {"gate"}))
        and capability_of(name) not in allowed
    }

    assert not reaching_up, f"{module} imports {sorted(reaching_up)}; docs/architecture.md allows {sorted(allowed)}"


def test_the_base_modules_import_no_capability() -> None:
    for module in sorted(BASE - {"gate"}):
        path = REPOSITORY_ROOT / (module.replace(".", "/") + ".py")
        gate_imports = {name for name in imports_of(path) if name.startswith("gate.")}
        assert not {name for name in gate_imports if capability_of(name)}, module
