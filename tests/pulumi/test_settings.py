"""Stack configuration: one place reads it, Pulumi.yaml documents it, bad values stop the program."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from gate.config import FailMode, OnDefer
from gate.window.document import MAX_DOCUMENT_BYTES, parse_document
from maintenance_gate_pulumi.settings import DEFAULTS, StackConfigError, load_settings
from tests.faults.malformed_documents import MALFORMED_DOCUMENTS, VALID_EDGE_DOCUMENTS, MalformedDocument
from tests.pulumi.mocks import PROJECT, REPOSITORY_ROOT, GateMocks, mocked, run_stack

PROJECT_FILE = REPOSITORY_ROOT / "Pulumi.yaml"
# Typed as Pulumi's project schema allows (it has no object type for the window).
EXPECTED_TYPES = {bool: "boolean", int: "integer", str: "string"}


def project_config() -> dict[str, Any]:
    return yaml.safe_load(PROJECT_FILE.read_text())["config"]


def stack_file_config(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())["config"]


def settings_for(config: dict[str, Any]) -> Any:
    with mocked("dev", config):
        return load_settings()


def test_pulumi_yaml_declares_every_key_with_its_type_description_and_the_programs_default() -> None:
    declared = project_config()
    assert set(declared) == {"aws:region", *DEFAULTS}
    for key, default in DEFAULTS.items():
        spec = declared[key]
        assert spec["description"].strip(), key
        assert spec["default"] == default, key
        if not isinstance(default, dict):
            assert spec["type"] == EXPECTED_TYPES[type(default)], key
    # Provider keys may only carry a value in Pulumi.yaml, never a type or default.
    assert set(declared["aws:region"]) == {"description", "value"}


def test_project_runs_python_with_pip_in_the_virtualenv() -> None:
    project = yaml.safe_load(PROJECT_FILE.read_text())
    assert project["name"] == PROJECT
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}


@pytest.mark.parametrize("path", sorted(REPOSITORY_ROOT.glob("Pulumi.*.yaml")), ids=lambda path: path.name)
def test_each_stack_file_is_complete_and_valid(path: Path) -> None:
    config = stack_file_config(path)
    settings = settings_for(config)
    assert settings.region == config["aws:region"]
    unknown = {key for key in config if key != "aws:region" and key.removeprefix(f"{PROJECT}:") not in DEFAULTS}
    assert not unknown


def test_dev_stack_file_sets_every_key() -> None:
    config = stack_file_config(REPOSITORY_ROOT / "Pulumi.dev.yaml")
    assert set(config) == {"aws:region", *(f"{PROJECT}:{key}" for key in DEFAULTS)}


def test_defaults_apply_when_nothing_is_set() -> None:
    settings = settings_for({})
    assert settings.runtime == "python3.12"
    assert settings.fail_mode is FailMode.LIVE
    assert settings.on_defer is OnDefer.RESPOND
    assert settings.replayer_enabled is False
    assert parse_document(settings.initial_window).to_json() == DEFAULTS["initialWindow"]


def test_values_are_read_and_typed() -> None:
    settings = settings_for(
        {
            "aws:region": "eu-south-1",
            "runtime": "python3.14",
            "architecture": "x86_64",
            "memory": 1024,
            "timeout": 830,
            "scheduleEnabled": False,
            "failMode": "maintenance",
            "onDefer": "error",
            "replayerEnabled": True,
            "replayerRate": 25,
            "replayerConcurrency": 8,
            "logRetentionDays": 365,
        }
    )
    assert (settings.region, settings.runtime, settings.architecture) == ("eu-south-1", "python3.14", "x86_64")
    assert (settings.memory, settings.timeout, settings.schedule_enabled) == (1024, 830, False)
    assert (settings.fail_mode, settings.on_defer) == (FailMode.MAINTENANCE, OnDefer.ERROR)
    assert (settings.replayer_enabled, settings.replayer_rate, settings.replayer_concurrency) == (True, 25, 8)
    assert settings.log_retention_days == 365


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("runtime", "python3.9", "runtime: must be one of python3.10, python3.11, python3.12, python3.13, python3.14"),
        ("architecture", "sparc", "architecture: must be one of x86_64, arm64 (got 'sparc')"),
        ("memory", 64, "memory: must be an integer from 128 to 10240 (got '64')"),
        ("memory", "lots", "memory: must be an integer from 128 to 10240 (got 'lots')"),
        ("timeout", 901, "timeout: must be an integer from 1 to 900 (got '901')"),
        ("scheduleExpression", "every 5 minutes", "scheduleExpression: must be an EventBridge Scheduler expression"),
        ("scheduleTimezone", "Europe", "scheduleTimezone: must be an IANA time-zone name"),
        ("scheduleEnabled", "yes", "scheduleEnabled: must be true or false (got 'yes')"),
        ("cacheTtlSeconds", -1, "cacheTtlSeconds: must be an integer from 0 to 3600"),
        ("failMode", "closed", "failMode: must be one of live, maintenance (got 'closed')"),
        ("onDefer", "drop", "onDefer: must be one of respond, error (got 'drop')"),
        ("onHttp", "queue", "onHttp: must be one of reject, accept (got 'queue')"),
        ("onOrdered", "skip", "onOrdered: must be one of hold, defer (got 'skip')"),
        ("retentionDays", 0, "retentionDays: must be an integer from 1 to 3650"),
        ("logRetentionDays", 10, "logRetentionDays: must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365"),
        ("replayerRate", 0, "replayerRate: must be an integer from 1 to 1000"),
        ("replayerConcurrency", 17, "replayerConcurrency: must be an integer from 1 to 16 (got '17')"),
        (
            "initialWindow",
            {"recurring": [{"start": "01:00", "end": "02:00", "timezone": "Mars/Olympus"}]},
            "initialWindow: recurring[0].timezone: is not a known IANA time zone (got 'Mars/Olympus')",
        ),
        ("initialWindow", {"mode": "off"}, "initialWindow: mode: must be one of auto, maintenance, live"),
        ("initialWindow", "not a document", "initialWindow: document: the START,END list form needs exactly 2"),
    ],
)
def test_a_bad_value_stops_the_program_naming_the_key_and_what_it_accepts(key: str, value: Any, message: str) -> None:
    with pytest.raises(StackConfigError) as raised:
        settings_for({key: value})
    assert f"{PROJECT}:{message}" in str(raised.value)
    # RunError: the CLI shows the message alone, without a Python stack trace.
    assert isinstance(raised.value, pulumi.RunError)


def test_a_window_zone_that_is_a_zone_folder_is_a_clean_config_error() -> None:
    window = {"recurring": [{"start": "01:00", "end": "02:00", "timezone": "Europe"}]}
    with pytest.raises(StackConfigError, match=r"initialWindow: recurring\[0\]\.timezone"):
        settings_for({"initialWindow": window})


@pytest.mark.parametrize("case", MALFORMED_DOCUMENTS, ids=lambda case: case.id)
def test_every_malformed_document_is_refused_with_the_parsers_field_and_value(case: MalformedDocument) -> None:
    with pytest.raises(StackConfigError) as raised:
        settings_for({"initialWindow": case.text})
    message = str(raised.value)
    assert f"{PROJECT}:initialWindow: {case.field}" in message
    assert case.shown in message


@pytest.mark.parametrize("text", VALID_EDGE_DOCUMENTS.values(), ids=list(VALID_EDGE_DOCUMENTS))
def test_documents_at_the_edge_are_accepted_and_stored_as_the_gate_reads_them(text: str) -> None:
    stored = settings_for({"initialWindow": text}).initial_window
    assert parse_document(stored) == parse_document(text)


def test_a_document_that_fits_only_compact_is_stored_compact() -> None:
    named = {"start": "2026-12-01T22:00:00+00:00", "end": "2026-12-02T02:00:00+00:00", "name": "n" * 100}
    window = {"windows": [named] * 44}
    compact = json.dumps(window, separators=(",", ":"))
    assert len(compact) <= MAX_DOCUMENT_BYTES < len(parse_document(compact).dumps())
    stored = settings_for({"initialWindow": window}).initial_window
    assert len(stored.encode()) <= MAX_DOCUMENT_BYTES
    assert parse_document(stored) == parse_document(compact)


def test_every_bad_key_is_reported_at_once() -> None:
    with pytest.raises(StackConfigError) as raised:
        settings_for({"memory": 1, "timeout": 0, "aws:region": "mars"})
    message = str(raised.value)
    assert f"{PROJECT}:memory" in message
    assert f"{PROJECT}:timeout" in message
    assert "aws:region: must be an AWS region name" in message


def test_a_bad_window_fails_the_whole_program_before_any_resource() -> None:
    window = {"windows": [{"start": "2026-12-01T22:00:00", "end": "2026-12-02T02:00:00+00:00"}]}
    mocks = GateMocks()
    with pytest.raises(StackConfigError, match=r"initialWindow: windows\[0\]\.start: has no UTC offset"):
        run_stack(config={"initialWindow": window}, mocks=mocks)
    assert mocks.resources == []


def test_the_local_demo_reads_the_stacks_answers_to_http_and_ordered_callers(tmp_path: Path) -> None:
    from gate.local.stack_config import load_stack_config

    shutil.copy(PROJECT_FILE, tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.edge.yaml").write_text(
        yaml.safe_dump({"config": {f"{PROJECT}:onHttp": "accept", f"{PROJECT}:onOrdered": "defer"}})
    )
    (tmp_path / "Pulumi.plain.yaml").write_text(yaml.safe_dump({"config": {}}))

    edge, plain_stack = load_stack_config("edge", tmp_path), load_stack_config("plain", tmp_path)

    assert (edge.on_http, edge.on_ordered) == ("accept", "defer")
    # Pulumi.yaml's defaults, the same as the program's.
    assert (plain_stack.on_http, plain_stack.on_ordered) == (DEFAULTS["onHttp"], DEFAULTS["onOrdered"])
