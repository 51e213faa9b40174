"""Every caller family, from SAM's sample events, through the layer under AWS's emulator.

Two execution environments serve every case: one with the defaults
(GATE_ON_HTTP=reject, GATE_ON_ORDERED=hold) and one with accept/defer. Both stay up
for the module, so the cost is two cold starts, not one per source.

What the emulator cannot show: the service side. It does not run API Gateway,
CloudFormation or a stream poller, so these tests check the answer each service would
receive (the payload, or the function error Lambda reports) and the table, and the
docs (docs/triggers.md) say from AWS's documentation what each service does with it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gate.callers.kinds import CallerKind
from gate.local.servers import Emulator, MotoServer
from tests.e2e.conftest import HANDLERS_DIR, Stack, invoke
from tests.fixtures.response_url import ResponseUrl
from tests.fixtures.trigger_events import FAMILIES, Family

pytestmark = pytest.mark.e2e


class Environments:
    def __init__(self, stack: Stack, default: Emulator, lenient: Emulator, response_url: ResponseUrl) -> None:
        self.stack = stack
        self.by_mode = {"reject/hold": default, "accept/defer": lenient}
        self.response_url = response_url


@pytest.fixture(scope="module")
def environments(
    moto_server: MotoServer, layer_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Environments]:
    tmp = tmp_path_factory.mktemp("triggers")
    stack = Stack(moto_server, tmp)
    now = time.time()
    stack.put_window(
        {
            "windows": [
                {
                    "start": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 60)),
                    "end": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now + 900)),
                    "name": "upgrade",
                }
            ]
        }
    )
    started: list[Emulator] = []
    logs = []
    for mode, extra in (
        ("default", {}),
        ("lenient", {"GATE_ON_HTTP": "accept", "GATE_ON_ORDERED": "defer"}),
    ):
        log = (tmp / f"emulator-{mode}.log").open("w")
        logs.append(log)
        emulator = Emulator(
            handler="probe.record",
            code_dir=HANDLERS_DIR,
            environment=stack.gate_environment(GATE_CACHE_TTL_SECONDS="60", **extra),
            layer_dir=layer_dir,
            function_name="probe",
            log=log,
        )
        started.append(emulator.start())
    response_url = ResponseUrl()
    try:
        yield Environments(stack, started[0], started[1], response_url)
    finally:
        response_url.stop()
        for emulator in started:
            emulator.stop()
        for log in logs:
            log.close()


CASES = [
    (family, mode)
    for family in FAMILIES
    for mode in ("reject/hold", "accept/defer")
    if mode == "reject/hold" or family.kind in (CallerKind.HTTP, CallerKind.ORDERED)
]


@pytest.mark.parametrize(("family", "mode"), CASES, ids=[f"{family.name}-{mode}" for family, mode in CASES])
def test_each_source_gets_its_answer_under_the_emulator(environments: Environments, family: Family, mode: str) -> None:
    event = family.event()
    if family.name == "cloudformation":
        event["ResponseURL"] = environments.response_url.url
    before = len(environments.stack.records())

    response, payload = invoke(environments.by_mode[mode], event)

    stored = len(environments.stack.records()) - before
    assert environments.stack.received() == []  # the handler never ran
    refused = family.kind is CallerKind.IMMEDIATE or (family.kind is CallerKind.ORDERED and mode == "reject/hold")
    if family.kind is CallerKind.HTTP:
        status = 503 if mode == "reject/hold" else 202
        assert "FunctionError" not in response and payload["statusCode"] == status
        headers = payload.get("headers") or {name: value[0] for name, value in payload["multiValueHeaders"].items()}
        assert ("Retry-After" in headers) is (status == 503)
        assert stored == (0 if status == 503 else 1)
    elif family.name == "s3-batch":
        assert {result["resultCode"] for result in payload["results"]} == {"TemporaryFailure"} and stored == 0
    elif family.kind is CallerKind.DURABLE:
        # The moto server has no durable API, so the gate's checkpoint fails and so does the invocation,
        # which the durable service retries; tests/e2e/test_durable_under_emulator.py runs the real hold.
        assert payload["errorType"] == "MaintenanceWindowError" and stored == 0
        assert "durable wait could not be checkpointed" in payload["errorMessage"]
    elif family.name == "cloudformation":
        assert "FunctionError" not in response and stored == 0
        assert json.loads(environments.response_url.received[-1][2])["Status"] == "FAILED"
    elif refused:
        # The emulator sets no FunctionError header (Lambda would: "Unhandled"); the error body is the same.
        assert payload["errorType"] == "MaintenanceWindowError"
        assert "maintenance window, windows[0] (upgrade), until " in payload["errorMessage"]
        assert stored == 0
    else:
        assert "FunctionError" not in response and payload["deferred"] is True and stored == 1
