"""Stands in for the managed Python runtime's /var/runtime/bootstrap.py under the emulator.

It builds ``sys.path`` by the managed runtime's rules, so that a test sees what a
function sees on Lambda, then hands over to awslambdaric's entry point with the
handler from ``_HANDLER`` (which an exec wrapper may have changed).

The rules, from the managed runtime's own /var/runtime/bootstrap.py as found in the
python3.11 runtime image (public.ecr.aws/lambda/python:3.11, Amazon Linux 2023; 3.10's
differs only in not adding /var/lang, and older ones build the path the same way), whose
/var/runtime/bootstrap runs ``exec -- "$AWS_LAMBDA_EXEC_WRAPPER" /var/lang/bin/python3.11
/var/runtime/bootstrap.py`` as ./bootstrap here does:

    def set_default_sys_path():
        if not is_pythonpath_set():                 # "PYTHONPATH" in os.environ
            sys.path.insert(0, get_var_lang_site_package_directory())  # 3.11+ only
            sys.path.insert(0, get_opt_python_directory())             # /opt/python
            sys.path.insert(0, get_opt_site_packages_directory())      # /opt/python/lib/pythonX.Y/site-packages
        sys.path.insert(0, os.environ['LAMBDA_TASK_ROOT'])

    def add_default_site_directories():
        site.addsitedir(os.environ["LAMBDA_TASK_ROOT"])
        if not is_pythonpath_set():
            site.addsitedir(get_opt_site_packages_directory())
            site.addsitedir(get_opt_python_directory())

    def set_default_pythonpath():
        if not is_pythonpath_set():
            os.environ["PYTHONPATH"] = os.environ["LAMBDA_RUNTIME_DIR"]

    def main():
        set_default_sys_path()
        add_default_site_directories()
        set_default_pythonpath()
        awslambdaricmain.main([os.environ["LAMBDA_TASK_ROOT"], os.environ["_HANDLER"]])

So the layers' directories are on the path, and their ``.pth`` files processed, only
when PYTHONPATH is unset. Here ``/opt`` is ``GATE_LOCAL_OPT_ROOT`` (tests point it at
a temp dir holding the layers; nothing is written to the real /opt), the task root is
``LAMBDA_TASK_ROOT``, /var/runtime is this directory, and /var/lang's site-packages is
the running interpreter's.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
from collections.abc import Mapping, MutableMapping

import awslambdaric.__main__ as awslambdaric_main

OPT_ROOT_VARIABLE = "GATE_LOCAL_OPT_ROOT"
RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


def is_pythonpath_set(environ: Mapping[str, str]) -> bool:
    return "PYTHONPATH" in environ


def opt_site_packages_directory(opt_root: str) -> str:
    return f"{opt_root}/python/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"


def opt_python_directory(opt_root: str) -> str:
    return f"{opt_root}/python"


def lang_site_packages_directory() -> str:
    """What /var/lang/lib/pythonX.Y/site-packages is on Lambda: the interpreter's own site-packages."""
    return sysconfig.get_paths()["purelib"]


def set_default_sys_path(path: list[str], environ: Mapping[str, str], opt_root: str, task_root: str) -> None:
    if not is_pythonpath_set(environ):
        if sys.version_info >= (3, 11):
            path.insert(0, lang_site_packages_directory())
        path.insert(0, opt_python_directory(opt_root))
        path.insert(0, opt_site_packages_directory(opt_root))
    path.insert(0, task_root)


def add_default_site_directories(environ: Mapping[str, str], opt_root: str, task_root: str) -> None:
    site.addsitedir(task_root)
    if not is_pythonpath_set(environ):
        site.addsitedir(opt_site_packages_directory(opt_root))
        site.addsitedir(opt_python_directory(opt_root))


def set_default_pythonpath(environ: MutableMapping[str, str]) -> None:
    if not is_pythonpath_set(environ):
        environ["PYTHONPATH"] = environ.get("LAMBDA_RUNTIME_DIR", RUNTIME_DIR)


def main(environ: MutableMapping[str, str]) -> None:
    opt_root = environ.get(OPT_ROOT_VARIABLE, "/opt")
    task_root = environ["LAMBDA_TASK_ROOT"]
    set_default_sys_path(sys.path, environ, opt_root, task_root)
    add_default_site_directories(environ, opt_root, task_root)
    set_default_pythonpath(environ)
    awslambdaric_main.main([task_root, environ["_HANDLER"]])


if __name__ == "__main__":
    main(os.environ)
