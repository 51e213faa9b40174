"""The local stand-in for /var/runtime/bootstrap.py builds sys.path by the managed runtime's rules."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from gate.local.servers import RUNTIME_BOOTSTRAP

TASK, OPT = "/var/task", "/tmp/opt-for-test"
SITE_PACKAGES = f"{OPT}/python/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
INTERPRETER_PATH = ["/var/runtime", "/var/lang/lib/python311.zip"]


@pytest.fixture(scope="module")
def bootstrap() -> ModuleType:
    spec = importlib.util.spec_from_file_location("local_bootstrap", RUNTIME_BOOTSTRAP.with_suffix(".py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_with_pythonpath_unset_the_layers_come_after_the_task_root(bootstrap: ModuleType) -> None:
    path = list(INTERPRETER_PATH)

    bootstrap.set_default_sys_path(path, {}, OPT, TASK)

    lang = [bootstrap.lang_site_packages_directory()] if sys.version_info >= (3, 11) else []
    assert path == [TASK, SITE_PACKAGES, f"{OPT}/python", *lang, *INTERPRETER_PATH]


@pytest.mark.parametrize("pythonpath", ["/var/task/vendor", ""], ids=["set", "set-but-empty"])
def test_with_pythonpath_set_no_opt_directory_is_added(bootstrap: ModuleType, pythonpath: str) -> None:
    path = list(INTERPRETER_PATH)

    bootstrap.set_default_sys_path(path, {"PYTHONPATH": pythonpath}, OPT, TASK)

    assert path == [TASK, *INTERPRETER_PATH]


def test_pythonpath_becomes_the_runtime_directory_only_when_unset(bootstrap: ModuleType) -> None:
    unset: dict[str, str] = {"LAMBDA_RUNTIME_DIR": "/var/runtime"}
    given = {"LAMBDA_RUNTIME_DIR": "/var/runtime", "PYTHONPATH": "/mine"}

    bootstrap.set_default_pythonpath(unset)
    bootstrap.set_default_pythonpath(given)

    assert (unset["PYTHONPATH"], given["PYTHONPATH"]) == ("/var/runtime", "/mine")
