"""Writing the window parameter after the version read: an edit that landed in between is detected and shown.

Parameter Store has no conditional put. PutParameter returns the version it wrote,
so a write whose version is not exactly the version read plus one came after other
edits, and has already replaced them: the operator is shown theirs and ours, and
the command fails. A parameter read as missing is created with Overwrite=False,
which SSM refuses when another editor created it first; then nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gate.aws import error_code
from gate.cli.errors import WorkFailedError
from gate.cli.output import Output

HISTORY_LIMIT = 100
"""Parameter Store keeps a parameter's last 100 versions; older ones cannot be shown."""
# Intelligent-Tiering stays Standard (free) up to 4 KB and moves to Advanced only
# for a larger document, which a Standard parameter would refuse.
_TIER = "Intelligent-Tiering"


class EditConflictError(WorkFailedError):
    """Raised when another edit of the window parameter landed between this command's read and its write."""


@dataclass(frozen=True)
class StoredVersion:
    number: int
    text: str | None
    """None: no longer in the parameter's history."""
    modified: str = ""


def write_after_read(ssm: Any, parameter: str, text: str, read_version: int | None, output: Output) -> int:
    """Write ``text`` over the version read (None: the parameter did not exist); returns the version written."""
    if read_version is None:
        return _create(ssm, parameter, text, output)
    response = ssm.put_parameter(Name=parameter, Value=text, Type="String", Overwrite=True, Tier=_TIER)
    written = int(response["Version"])
    if written == read_version + 1:
        return written
    theirs = _versions_between(ssm, parameter, read_version, written)
    _show(output, parameter, theirs, StoredVersion(written, text, "this command's write, now in the parameter"))
    replaced = ", ".join(str(version.number) for version in theirs)
    raise EditConflictError(
        f"another edit of {parameter} landed between this command's read (version {read_version}) and its "
        f"write (version {written}): version(s) {replaced} were replaced by this write. Both documents are "
        "shown above; check the one you want is in the parameter (`window show`) and write it again if not"
    )


def _create(ssm: Any, parameter: str, text: str, output: Output) -> int:
    try:
        response = ssm.put_parameter(Name=parameter, Value=text, Type="String", Overwrite=False, Tier=_TIER)
    except Exception as exc:
        if error_code(exc) != "ParameterAlreadyExists":
            raise
        theirs = _current(ssm, parameter)
        _show(output, parameter, [theirs], StoredVersion(0, text, "this command's document, not written"))
        raise EditConflictError(
            f"{parameter} did not exist when this command read it, but another edit created it before this "
            "write; nothing was written. Both documents are shown above; edit again from the one now stored"
        ) from exc
    return int(response["Version"])


def _current(ssm: Any, parameter: str) -> StoredVersion:
    try:
        stored = ssm.get_parameter(Name=parameter)["Parameter"]
    except Exception as exc:
        if error_code(exc) == "ParameterNotFound":
            return StoredVersion(0, None, "deleted again since")
        raise
    return StoredVersion(int(stored["Version"]), str(stored["Value"]), _who_and_when(stored))


def _versions_between(ssm: Any, parameter: str, read_version: int, written: int) -> list[StoredVersion]:
    """Every version written after ``read_version`` and before ``written``, from GetParameterHistory."""
    wanted = range(read_version + 1, written)
    found: dict[int, StoredVersion] = {}
    for page in ssm.get_paginator("get_parameter_history").paginate(Name=parameter):
        for stored in page.get("Parameters", []):
            number = int(stored["Version"])
            if number in wanted:
                found[number] = StoredVersion(number, str(stored["Value"]), _who_and_when(stored))
    gone = f"no longer in the parameter's history (Parameter Store keeps its last {HISTORY_LIMIT} versions)"
    return [found.get(number, StoredVersion(number, None, gone)) for number in wanted]


def _who_and_when(stored: dict[str, Any]) -> str:
    """When and by whom (the IAM ARN; GetParameter gives only the date), as far as SSM says."""
    when, who = stored.get("LastModifiedDate"), stored.get("LastModifiedUser")
    parts = [when.isoformat(timespec="seconds") if isinstance(when, datetime) else str(when or ""), str(who or "")]
    return ", ".join(part for part in parts if part)


def _show(output: Output, parameter: str, theirs: list[StoredVersion], ours: StoredVersion) -> None:
    output.line(f"conflict: another edit of {parameter} landed between this command's read and its write")
    for version in theirs:
        label = f"version {version.number}" if version.number else "stored now"
        _document(output, f"theirs ({label}{'; ' + version.modified if version.modified else ''})", version.text)
    label = f"version {ours.number}; " if ours.number else ""
    _document(output, f"ours ({label}{ours.modified})", ours.text)


def _document(output: Output, title: str, text: str | None) -> None:
    output.line(f"--- {title}")
    for line in (text if text is not None else "(not available)").splitlines():
        output.line(f"    {line}")
