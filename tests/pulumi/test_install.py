"""The component as another program gets it: pip-installed into a fresh virtualenv, used from outside the repository.

What this proves: the project builds a wheel (its build system, packages and package
data are right), the installed ``maintenance_gate_pulumi``, ``gate`` and ``layer``
are the ones imported (never the checkout), and the docs' snippet runs under Pulumi's
mocks from a directory of its own, building the layer from the *installed* files.

What it does not prove: to stay offline and bounded, the virtualenv borrows the
shared one's site-packages (pulumi, pulumi-aws, tzdata, setuptools, wheel) and pip
runs with ``--no-deps --no-build-isolation``. So it does not resolve the declared
dependencies from an index; instead it checks that the versions it borrows satisfy
every ``Requires-Dist`` the wheel declares.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.pulumi.mocks import REPOSITORY_ROOT
from tests.pulumi.test_component import readme_snippet

TIMEOUT_SECONDS = 120

PROBE = textwrap.dedent(
    """
    import json, sys, zipfile
    from pathlib import Path
    from unittest import mock

    import pulumi

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            state = dict(args.inputs)
            name = state.get("name") or f"{args.name}-0000000"
            state.setdefault("name", name)
            state["arn"] = f"arn:aws:test:eu-west-1:123456789012:{args.typ}:{name}"
            return name, state

        def call(self, args):
            return {"region": "eu-west-1", "accountId": "123456789012", "partition": "aws"}, []

    pulumi.runtime.set_mocks(Mocks(), project="orders", stack="dev", preview=False)
    exported = {}

    @pulumi.runtime.test
    def program():
        with mock.patch.object(pulumi, "export", exported.__setitem__):
            exec(compile(Path("snippet.py").read_text(), "snippet.py", "exec"), {"__name__": "__main__"})
        return pulumi.Output.all(**exported).apply(lambda outputs: exported.update(outputs))

    program()
    import gate, layer, maintenance_gate_pulumi
    with zipfile.ZipFile("build/maintenance-gate-layer.zip") as archive:
        names = archive.namelist()
    print(json.dumps({
        "modules": [gate.__file__, layer.__file__, maintenance_gate_pulumi.__file__],
        "outputs": exported,
        "layer": names,
    }))
    """
)


def tracked_copy(destination: Path) -> Path:
    """The checkout as pip gets it from a git URL: tracked files only, built out of tree."""
    listed = subprocess.run(
        ["git", "-C", str(REPOSITORY_ROOT), "ls-files", "-z"], capture_output=True, check=True, timeout=30
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPOSITORY_ROOT / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("install")
    source = tracked_copy(root / "source")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=TIMEOUT_SECONDS)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT_SECONDS,
    ).stdout.strip()
    # Appended after the venv's own site-packages: what the venv installs wins.
    (Path(purelib) / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index", str(source)],
        check=True,
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        cwd=root,
    )
    return venv


def test_the_docs_snippet_runs_from_an_installed_package_outside_the_repository(
    installed: Path, tmp_path: Path
) -> None:
    # GIVEN another project's directory, with the docs' snippet as its program
    project = tmp_path / "orders-project"
    (project / "orders").mkdir(parents=True)
    (project / "orders" / "orders.py").write_text("def handler(event, context):\n    return event\n")
    (project / "snippet.py").write_text(readme_snippet())

    # WHEN it runs with the fresh virtualenv's python, nothing of the checkout on its path
    result = subprocess.run(
        [str(installed / "bin" / "python"), "-c", PROBE],
        check=False,
        capture_output=True,
        text=True,
        cwd=project,
        env={"PATH": "/usr/bin:/bin", "PULUMI_TEST_MODE": "true"},
        timeout=TIMEOUT_SECONDS,
    )

    # THEN the installed packages were used, and the layer was built from them into the project
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    site = str(installed / "lib")
    assert all(module.startswith(site) for module in report["modules"]), report["modules"]
    assert report["outputs"]["ordersFunction"].startswith("orders-")
    assert report["layer"][0] == "maintenance-gate"
    assert "python/gate/entry.py" in report["layer"] and "python/tzdata/zoneinfo/Europe/Rome" in report["layer"]
    assert not [name for name in report["layer"] if name.startswith(("python/gate/cli/", "python/gate/local/"))]


def test_the_borrowed_versions_satisfy_what_the_wheel_declares(installed: Path) -> None:
    [metadata] = installed.glob("lib/python*/site-packages/maintenance_gate-*.dist-info/METADATA")
    message = Parser().parsestr(metadata.read_text())
    required = [Requirement(text) for text in message.get_all("Requires-Dist") or []]
    runtime = [requirement for requirement in required if requirement.marker is None]
    assert {requirement.name for requirement in runtime} == {"pulumi", "pulumi-aws", "tzdata"}
    from importlib.metadata import version

    for requirement in required:
        assert requirement.specifier.contains(Version(version(requirement.name))), requirement
    assert re.fullmatch(r"maintenance[-_]gate", message["Name"])
