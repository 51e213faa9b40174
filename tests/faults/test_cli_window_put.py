"""Every malformed document of the shared corpus through the CLI's ``window put``: exit 2, the
parser's message naming the field and value, and the parameter left exactly as it was."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from tests.faults.malformed_documents import MALFORMED_DOCUMENTS, MalformedDocument
from tests.unit.replay.support import (
    PARAMETER,
    aws,  # noqa: F401 - a fixture, used through pytestmark
    put_window,
    run_cli,
)

pytestmark = pytest.mark.usefixtures("aws")
GOOD = '{"mode": "maintenance"}'
NOT_UTF8 = "lone-surrogate-in-the-text"  # saved to a file, its bytes are not UTF-8
CASES = [pytest.param(case, id=case.id) for case in MALFORMED_DOCUMENTS]


def parameter_state() -> tuple[str, int]:
    stored = boto3.client("ssm").get_parameter(Name=PARAMETER)["Parameter"]
    return stored["Value"], int(stored["Version"])


@pytest.mark.parametrize("case", CASES)
def test_window_put_refuses_a_malformed_document_and_writes_nothing(case: MalformedDocument, tmp_path: Path) -> None:
    # GIVEN a good document in the parameter, and the malformed one in a file (bytes as an editor would save them)
    put_window(GOOD)
    before = parameter_state()
    path = tmp_path / "window.json"
    path.write_bytes(case.text.encode("utf-8", "surrogatepass"))

    # WHEN the operator puts the file
    result = run_cli("window", "put", str(path))

    # THEN it is refused as bad input, the message names the field and the value, and nothing changed
    assert result.exit_code == 2, result.output
    if case.id == NOT_UTF8:
        assert str(path) in result.stderr and "utf-8" in result.stderr.lower()  # not even text
    else:
        assert f"{case.field}: " in result.stderr
        assert case.shown in result.stderr
    assert parameter_state() == before
