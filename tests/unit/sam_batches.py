"""Batch events of SQS, Kinesis and DynamoDB Streams, rendered from AWS SAM CLI's sample templates.

``scripts/setup`` unpacks the templates of the aws-sam-cli wheel into
``.tools/sam-events``. Each is rendered with its defaults (the ``{{{tag}}}``
placeholders, base64 and md5 children as SAM does), and its record is repeated with
distinct identifiers to make a batch of several items.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

EVENTS = Path(__file__).resolve().parents[2] / ".tools" / "sam-events"
# (service, event name in event-mapping.json), and the identifier's path in a record.
SOURCES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "sqs": ("sqs", "receive-message", ("messageId",)),
    "kinesis": ("kinesis", "get-records", ("kinesis", "sequenceNumber")),
    "dynamodb": ("dynamodb", "update", ("dynamodb", "SequenceNumber")),
}


def sample(service: str, name: str) -> dict[str, Any]:
    """One SAM sample event rendered with its defaults."""
    mapping = EVENTS / "event-mapping.json"
    if not mapping.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{EVENTS} is missing: run scripts/setup")
        pytest.skip(f"{EVENTS} is missing: run scripts/setup")
    entry = json.loads(mapping.read_text())[service][name]
    text = (EVENTS / "events" / service / f"{entry['filename']}.json").read_text()
    for tag, spec in entry.get("tags", {}).items():
        value = str(spec.get("default", ""))
        for child, child_spec in spec.get("children", {}).items():
            if child_spec.get("hashing") == "md5":
                text = text.replace(_tag(child), hashlib.md5(value.encode()).hexdigest())
        if spec.get("encoding") == "base64":
            value = base64.b64encode(value.encode()).decode()
        text = text.replace(_tag(tag.replace("-", "_")), value)
    assert "{{{" not in text, f"unrendered tag in {entry['filename']}"
    return json.loads(text)  # type: ignore[no-any-return]


def batch(source: str, size: int) -> tuple[dict[str, Any], list[str]]:
    """A batch of ``size`` items of the source's sample record, and their identifiers in order."""
    service, name, path = SOURCES[source]
    event = sample(service, name)
    template = event["Records"][0]
    records, identifiers = [], []
    for index in range(size):
        record = copy.deepcopy(template)
        holder = record
        for key in path[:-1]:
            holder = holder[key]
        identifier = f"{holder[path[-1]]}-{index}" if source == "sqs" else f"{holder[path[-1]]}{index:03d}"
        holder[path[-1]] = identifier
        records.append(record)
        identifiers.append(identifier)
    return {**event, "Records": records}, identifiers


def _tag(name: str) -> str:
    return "{{{" + name + "}}}"
