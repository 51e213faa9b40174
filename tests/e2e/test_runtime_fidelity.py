"""The gated function sees the same Python runtime as an ungated one, under AWS's emulator.

The local bootstrap (gate/local/runtime/bootstrap.py) builds sys.path by the managed
runtime's bootstrap.py rules; these tests put a second layer with the documented
``python/lib/pythonX.Y/site-packages`` layout (and a ``.pth`` file) into a temp /opt
and import from it, with and without the gate.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from gate.local.servers import RUNTIME_BOOTSTRAP
from tests.e2e.conftest import HANDLERS_DIR, Stack, invoke

pytestmark = pytest.mark.e2e

SITE_PACKAGES = f"python/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
RUNTIME_DIR = str(RUNTIME_BOOTSTRAP.parent)
LANG_SITE_PACKAGES = sysconfig.get_paths()["purelib"]


# Another vendor's layer: a package in site-packages, and a .pth naming a directory
# of the layer's own (a .pth line is relative to the directory holding it).
OTHER_LAYER = {
    f"{SITE_PACKAGES}/other_layer_pkg/__init__.py": "LAYER = 'other'\n",
    f"{SITE_PACKAGES}/other_layer.pth": "../../../../vendored-by-pth\n",
    "vendored-by-pth/reached_by_pth.py": "REACHED = True\n",
}


def start_probe(
    stack: Stack, start_function: Any, compose_opt: Any, *, gated: bool, **environment: str
) -> tuple[Any, Path]:
    opt = compose_opt(OTHER_LAYER)
    function = start_function("layer_probe.report", stack.gate_environment(**environment), gated=gated, opt_dir=opt)
    return function, opt


MODULES = {"modules": ["other_layer_pkg", "reached_by_pth"]}


@pytest.mark.parametrize("gated", [False, True], ids=["ungated", "gated"])
def test_another_layers_site_packages_and_pth_files_are_importable(
    stack: Stack, start_function: Any, compose_opt: Any, gated: bool
) -> None:
    function, opt = start_probe(stack, start_function, compose_opt, gated=gated)

    response, report = invoke(function, MODULES)

    assert "FunctionError" not in response, report
    assert report["modules"] == {
        "other_layer_pkg": f"{opt}/{SITE_PACKAGES}/other_layer_pkg/__init__.py",
        "reached_by_pth": f"{opt}/vendored-by-pth/reached_by_pth.py",
    }
    # The managed runtime's order: task root, the layers' site-packages, /opt/python,
    # then (3.11+) /var/lang's site-packages ahead of /var/runtime.
    expected_head = [str(HANDLERS_DIR), f"{opt}/{SITE_PACKAGES}", f"{opt}/python"]
    if sys.version_info >= (3, 11):
        expected_head.append(LANG_SITE_PACKAGES)
    expected_head.append(RUNTIME_DIR)
    assert report["sys_path"][: len(expected_head)] == expected_head
    assert report["sys_path"][-1] == f"{opt}/vendored-by-pth"
    # bootstrap.py then sets PYTHONPATH to the runtime directory, for subprocesses.
    assert report["pythonpath"] == RUNTIME_DIR
    if gated:
        assert report["gate"] == f"{opt}/python/gate/__init__.py"
    else:
        assert report["gate"] is None


def test_a_pythonpath_the_function_sets_is_kept_and_the_gate_is_appended(
    stack: Stack, start_function: Any, compose_opt: Any, tmp_path: Path
) -> None:
    # GIVEN a gated function whose configuration sets PYTHONPATH itself
    own = tmp_path / "own-modules"
    own.mkdir()

    function, opt = start_probe(stack, start_function, compose_opt, gated=True, PYTHONPATH=str(own))
    response, report = invoke(function, MODULES)

    # THEN its entries come first and the gate's python/ after them, and, as on Lambda
    # (bootstrap.py adds no /opt directory when PYTHONPATH is set), the other layer's
    # site-packages and .pth are not on the path: the gate adds nothing else.
    assert "FunctionError" not in response, report
    assert report["pythonpath"] == f"{own}:{opt}/python"
    path = report["sys_path"]
    assert path.index(str(own)) < path.index(f"{opt}/python")
    assert f"{opt}/{SITE_PACKAGES}" not in path and f"{opt}/vendored-by-pth" not in path
    assert report["modules"] == {"other_layer_pkg": None, "reached_by_pth": None}
    assert report["gate"] == f"{opt}/python/gate/__init__.py"
