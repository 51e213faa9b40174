"""Generate tests/vectors/*.json from the Python gate: ``python -m tests.vectors.generate``.

Each file pairs inputs with what the Python gate makes of them: window documents and
instants with their decisions, malformed documents with their errors, SAM sample events
with their caller and the answer under each GATE_ON_* setting, events with the record
stored for them, GATE_* settings with the parsed settings or the error, telemetry
lines, and JSON texts with Python's reading and writing of them. The Go tests
(proxy/internal/*) read the same files and must agree; tests/unit/test_vectors.py fails
when a committed file differs from what this generates now.

Time is fixed (cases.NOW_EPOCH) and request ids are numbered, so a run on any machine
gives the same bytes.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math
import os
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from unittest import mock

from gate import telemetry
from gate.callers.kinds import classify
from gate.config import GateConfig, GateConfigError
from gate.deferral import codec, wire
from gate.deferral import table as schema
from gate.deferral.deferrer import Deferrer
from gate.deferral.store import Deferral, DeferredEventStore
from gate.window.decide import Decision, decide
from gate.window.document import WindowDocumentError, parse_document
from gate.window.fields import shipped_zone_names
from tests.vectors import cases

VECTORS_DIR = Path(__file__).resolve().parent
REPOSITORY = VECTORS_DIR.parents[1]
# The Go parser embeds the same zone list the Python one reads from tzdata.
ZONES_COPY = REPOSITORY / "proxy" / "internal" / "window" / "zones.txt"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _decision(decision: Decision) -> dict[str, Any]:
    return {
        "defer": decision.defer,
        "reason": decision.reason,
        "window": decision.window,
        "until": _iso(decision.until),
    }


def window_vectors() -> dict[str, Any]:
    decisions = []
    for name, text, instants in cases.DECISIONS:
        document = parse_document(text)
        for instant in instants:
            now = datetime.fromisoformat(instant)
            decisions.append(
                {"name": name, "document": text, "now": instant, "decision": _decision(decide(document, now))}
            )
    errors = []
    for name, text in cases.MALFORMED:
        try:
            parse_document(text)
        except WindowDocumentError as exc:
            errors.append({"name": name, "document": text, "field": exc.field, "message": str(exc)})
        else:
            raise AssertionError(f"malformed case {name!r} parsed")
    valid = [{"name": name, "document": text, "parsed": parse_document(text).to_json()} for name, text in cases.VALID]
    for name, text, instants in cases.random_decisions():
        document = parse_document(text)
        for instant in instants:
            now = datetime.fromisoformat(instant)
            decisions.append(
                {"name": name, "document": text, "now": instant, "decision": _decision(decide(document, now))}
            )
    for name, text in cases.fuzzed_documents():
        try:
            valid.append({"name": name, "document": text, "parsed": parse_document(text).to_json()})
        except WindowDocumentError as exc:
            errors.append({"name": name, "document": text, "field": exc.field, "message": str(exc)})
    return {"decisions": decisions, "errors": errors, "valid": valid}


# ---- JSON as Python reads and writes it ----

JSON_TEXTS = [
    "0",
    "-0",
    "-0.0",
    "007",
    "123456789012345678901234567890",
    "-98765432109876543210",
    "1.0",
    "1.5e3",
    "1E400",
    "-1e400",
    "1e-400",
    "0.1",
    "0.0001",
    "0.00001",
    "1e16",
    "1e15",
    "123456789.123456789",
    "2.5e-7",
    "NaN",
    "Infinity",
    "-Infinity",
    "true",
    "null",
    '"plain"',
    '"caf\\u00e9 \\ud83d\\ude80 \\u2028 \\u0000 \\u001f \\u007f \\t\\n\\r\\b\\f \\"q\\" \\\\ \\/"',
    '"lone \\ud800 high and \\udc00 low"',
    '"high then not low \\ud800\\u0041"',
    '"it\'s"',
    '"both \' and \\""',
    '"\u00e9\u00a0\u2028\u200b\ue000\u0378"',
    '{"b": 1, "a": [1, 2.0, {"c": null}], "b": 3}',
    "[]",
    "{}",
    ' [ 1 , { "x" : "y" } ] ',
    "[1,",
    "{",
    '{"a"',
    '{"a": }',
    '{"a": 1 "b": 2}',
    "[1 2]",
    "[-]",
    "[01]",
    "[1.]",
    "[1e]",
    "[.5]",
    "tru",
    '"abc',
    '"a\\',
    '"\\u12"',
    '"\\ud800\\u12"',
    '"\\q"',
    '"a\nb"',
    "[1]x",
    "",
    "   ",
    "\n\n  {\n  ]",
    # Characters of several UTF-8 bytes before and inside errors: positions count characters.
    '"\\u1\u00e9"',
    '"\\u12\u00e9\u00e9"',
    '"\\ud800\\u12\u00e9"',
    '"\\ud800\\u12\u00e9\u00e9\u00e9\u00e9"',
    '"\u00e9\\x"',
    '["\u00e9\U0001f680", }',
    '"\u00e9\n"',
    '"\u00e9\U0001f680\n\u00e9\n  ] x',
    '{"\u00e9": 1, "\u00e9": 2}',
    '"caf\u00e9 \\n \U0001f680 \\ud83d\\ude80"',
]


def _random_floats(count: int = 400) -> str:
    """Seeded doubles of every magnitude, as one JSON array: repr's shortest digits and its exponent rule."""
    import random
    import struct

    rng = random.Random(cases.RANDOM_SEED)
    values: list[float] = []
    while len(values) < count:
        value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(value):
            values.append(value)
    values += [rng.uniform(-1e-5, 1e-5) for _ in range(50)] + [rng.uniform(1e15, 1e17) for _ in range(50)]
    values += [float(rng.randrange(10**18)) for _ in range(50)] + [rng.random() for _ in range(50)]
    return json.dumps(values)


def json_vectors() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for text in [*JSON_TEXTS, _random_floats()]:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            out.append({"text": text, "error": str(exc)})
            continue
        out.append(
            {
                "text": text,
                "compact": json.dumps(value, separators=(",", ":")),
                "default": json.dumps(value),
                "unescaped": json.dumps(value, ensure_ascii=False)
                .encode("utf-8", "surrogatepass")
                .decode("utf-8", "replace")
                if not _has_surrogate(value)
                else None,
                "repr": repr(value),
            }
        )
    return out


def _has_surrogate(value: Any) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in json.dumps(value, ensure_ascii=False))


# ---- settings ----

_BASE = {"GATE_PARAMETER_NAME": "/gate/orders", "GATE_TABLE_NAME": "deferred"}
SETTINGS: list[tuple[str, dict[str, str]]] = [
    ("defaults", dict(_BASE)),
    ("nothing-set", {}),
    ("parameter-blank", {"GATE_PARAMETER_NAME": "  ", "GATE_TABLE_NAME": "t"}),
    ("table-missing", {"GATE_PARAMETER_NAME": "/p"}),
    ("names-stripped", {"GATE_PARAMETER_NAME": " /p ", "GATE_TABLE_NAME": "\tt\n", "GATE_OVERFLOW_BUCKET": "b"}),
    ("bucket-empty-is-none", {**_BASE, "GATE_OVERFLOW_BUCKET": ""}),
    (
        "every-setting",
        {
            **_BASE,
            "GATE_OVERFLOW_BUCKET": "overflow",
            "GATE_CACHE_TTL_SECONDS": "2.5",
            "GATE_FAIL_MODE": " Maintenance ",
            "GATE_ON_DEFER": "ERROR",
            "GATE_ON_HTTP": "accept",
            "GATE_ON_ORDERED": "defer",
            "GATE_INLINE_LIMIT_BYTES": "2048.9",
            "GATE_SSM_CONNECT_TIMEOUT_SECONDS": "0.1",
            "GATE_SSM_READ_TIMEOUT_SECONDS": "10",
            "GATE_REFRESH_WAIT_MS": "0",
            "GATE_INIT_WAIT_MS": "5000",
            "GATE_SHARED_CACHE_DIR": "/var/cache/gate",
        },
    ),
    ("ttl-blank-is-default", {**_BASE, "GATE_CACHE_TTL_SECONDS": "   "}),
    ("ttl-not-a-number", {**_BASE, "GATE_CACHE_TTL_SECONDS": "ten"}),
    ("ttl-too-large", {**_BASE, "GATE_CACHE_TTL_SECONDS": "3600.5"}),
    ("ttl-negative", {**_BASE, "GATE_CACHE_TTL_SECONDS": "-1"}),
    ("ttl-nan", {**_BASE, "GATE_CACHE_TTL_SECONDS": "nan"}),
    ("ttl-inf", {**_BASE, "GATE_CACHE_TTL_SECONDS": "Infinity"}),
    ("ttl-underscores", {**_BASE, "GATE_CACHE_TTL_SECONDS": "1_0"}),
    ("ttl-bad-underscore", {**_BASE, "GATE_CACHE_TTL_SECONDS": "1__0"}),
    ("ttl-exponent", {**_BASE, "GATE_CACHE_TTL_SECONDS": " 1e2 "}),
    ("ttl-hex", {**_BASE, "GATE_CACHE_TTL_SECONDS": "0x10"}),
    ("fail-mode-unknown", {**_BASE, "GATE_FAIL_MODE": "closed"}),
    ("on-defer-unknown", {**_BASE, "GATE_ON_DEFER": "drop"}),
    ("on-http-unknown", {**_BASE, "GATE_ON_HTTP": "it's"}),
    ("on-ordered-unknown", {**_BASE, "GATE_ON_ORDERED": "skip"}),
    ("inline-too-small", {**_BASE, "GATE_INLINE_LIMIT_BYTES": "1023"}),
    ("inline-too-large", {**_BASE, "GATE_INLINE_LIMIT_BYTES": "350001"}),
    ("connect-too-small", {**_BASE, "GATE_SSM_CONNECT_TIMEOUT_SECONDS": "0.09"}),
    ("read-too-large", {**_BASE, "GATE_SSM_READ_TIMEOUT_SECONDS": "11"}),
    ("refresh-too-large", {**_BASE, "GATE_REFRESH_WAIT_MS": "1001"}),
    ("init-negative", {**_BASE, "GATE_INIT_WAIT_MS": "-5"}),
    ("refresh-ms-fraction", {**_BASE, "GATE_REFRESH_WAIT_MS": "12.5"}),
    ("shared-cache-off", {**_BASE, "GATE_SHARED_CACHE_DIR": " OFF ", "AWS_LAMBDA_MAX_CONCURRENCY": "4"}),
    ("shared-cache-relative", {**_BASE, "GATE_SHARED_CACHE_DIR": "cache"}),
    ("shared-cache-managed-instances", {**_BASE, "AWS_LAMBDA_MAX_CONCURRENCY": "4"}),
]


def _config(config: GateConfig) -> dict[str, Any]:
    return {key: (value.value if hasattr(value, "value") else value) for key, value in config._asdict().items()}


def settings_vectors() -> list[dict[str, Any]]:
    out = []
    for name, env in SETTINGS:
        try:
            out.append({"name": name, "env": env, "config": _config(GateConfig.from_env(env))})
        except GateConfigError as exc:
            out.append({"name": name, "env": env, "error": str(exc)})
    return out


# ---- telemetry ----

TELEMETRY: list[dict[str, Any]] = [
    {
        "call": "log",
        "message": "invocation refused",
        "level": "INFO",
        "log_level": "",
        "now": cases.NOW_EPOCH,
        "fields": {"request_id": "r-1", "function": "orders", "retry_after": 1800, "reason": "inside windows[0]"},
    },
    {
        "call": "log",
        "message": "deferral failed",
        "level": "ERROR",
        "log_level": "WARN",
        "now": 1796164200.9999,
        "fields": {"request_id": "r-2", "error": 'could not store "x" caf\u00e9'},
    },
    {
        "call": "log",
        "message": "window read failed",
        "level": "WARNING",
        "log_level": "error",
        "now": cases.NOW_EPOCH,
        "fields": {"reason": "timeout"},
    },
    {
        "call": "log",
        "message": "debug detail",
        "level": "debug",
        "log_level": "info",
        "now": cases.NOW_EPOCH,
        "fields": {},
    },
    {
        "call": "log",
        "message": "unknown filter keeps all",
        "level": "TRACE",
        "log_level": "verbose",
        "now": 0.0,
        "fields": {"replay_of": None, "flag": True, "ratio": 0.5},
    },
    {"call": "log", "message": "critical", "level": "CRITICAL", "log_level": "FATAL", "now": 1.001, "fields": {}},
    {
        "call": "metric",
        "name": "Deferrals",
        "value": 1,
        "unit": "Count",
        "log_level": "",
        "now": cases.NOW_EPOCH,
        "dimensions": {"FunctionName": "orders"},
    },
    {
        "call": "metric",
        "name": "WindowAge",
        "value": 2.5,
        "unit": "Seconds",
        "log_level": "ERROR",
        "now": cases.NOW_EPOCH,
        "dimensions": {"FunctionName": "orders", "Alias": "live"},
    },
    {
        "call": "metric",
        "name": "Reads",
        "value": 3,
        "unit": "Count",
        "log_level": "DEBUG",
        "now": 12.3456,
        "dimensions": {},
    },
]


@contextlib.contextmanager
def _clock(epoch: float) -> Iterator[None]:
    # time.monotonic too: the deferral's deadline is read on it (gate.deferral.deadline, whose
    # deadline_of takes its clock as a default argument, bound at import).
    from gate.deferral import deadline

    def deadline_of(context: object) -> float | None:
        return deadline.deadline_of(context, clock=lambda: 1000.0)

    with (
        mock.patch.object(time, "time", lambda: epoch),
        mock.patch.object(time, "monotonic", lambda: 1000.0),
        mock.patch("gate.deferral.deferrer.deadline_of", deadline_of),
    ):
        yield


@contextlib.contextmanager
def _captured() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        yield buffer


def telemetry_vectors() -> list[dict[str, Any]]:
    out = []
    for case in TELEMETRY:
        level_filter = telemetry.LogLevelFilter.from_env({"AWS_LAMBDA_LOG_LEVEL": case["log_level"]})
        with mock.patch.object(telemetry, "active_filter", level_filter), _clock(case["now"]), _captured() as buffer:
            if case["call"] == "log":
                telemetry.log(case["message"], level=case["level"], **case["fields"])
            else:
                telemetry.metric(case["name"], case["value"], case["unit"], **case["dimensions"])
        out.append({**case, "lines": buffer.getvalue().splitlines()})
    return out


# ---- callers and records ----

WINDOW_DOCUMENT = json.dumps(
    {"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-01T23:00:00.5Z", "name": "nightly"}]}
)
DECISIONS_FOR_CALLERS = {
    "window": decide(parse_document(WINDOW_DOCUMENT), datetime.fromtimestamp(cases.NOW_EPOCH, timezone.utc)),
    # A window ending in 90.4 s: a Retry-After and a durable wait shorter than their caps.
    "ending": decide(
        parse_document(json.dumps({"windows": [{"start": "2026-12-01T22:00:00Z", "end": "2026-12-01T22:31:30.650Z"}]})),
        datetime.fromtimestamp(cases.NOW_EPOCH, timezone.utc),
    ),
    "maintenance": decide(
        parse_document('{"mode": "maintenance"}'), datetime.fromtimestamp(cases.NOW_EPOCH, timezone.utc)
    ),
}
# (label, settings over the defaults, decision)
ANSWER_SETTINGS: list[tuple[str, dict[str, str], str]] = [
    ("defaults", {}, "window"),
    ("on-http-accept", {"GATE_ON_HTTP": "accept"}, "window"),
    ("on-ordered-defer", {"GATE_ON_ORDERED": "defer"}, "window"),
    ("on-defer-error", {"GATE_ON_DEFER": "error", "GATE_ON_HTTP": "accept", "GATE_ON_ORDERED": "defer"}, "window"),
    ("mode-maintenance", {}, "maintenance"),
    ("window-ends-soon", {}, "ending"),
]


class _Table:
    """Stands in for DynamoDB and S3 behind the real store: keeps what is written, accepts every condition."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.objects: dict[str, bytes] = {}
        self.updates: list[dict[str, Any]] = []
        self.checkpoints: list[dict[str, Any]] = []
        self.failing_checkpoint: Exception | None = None

    def __call__(self, service: str) -> _Table:
        return self

    def put_item(self, **request: Any) -> None:
        self.items.append(request["Item"])

    def put_object(self, **request: Any) -> None:
        self.objects[request["Key"]] = request["Body"]

    def update_item(self, **request: Any) -> None:
        # The record a replay names is taken to be replaying under a live lease: requeued.
        self.updates.append(request)

    def checkpoint_durable_execution(self, **request: Any) -> None:
        # A durable hold's checkpoint (gate.callers.durable); failing_checkpoint makes it fail.
        self.checkpoints.append(request)
        if self.failing_checkpoint is not None:
            raise self.failing_checkpoint


class _Response:
    status = 200

    def __enter__(self) -> _Response:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _events() -> list[tuple[str, Any]]:
    from tests.fixtures.sam_events import catalogue, sam_event
    from tests.fixtures.trigger_events import FAMILIES

    events: list[tuple[str, Any]] = [(f"family:{family.name}", family.event()) for family in FAMILIES]
    seen = {json.dumps(event, sort_keys=True) for _, event in events}
    for service, names in sorted(catalogue().items()):
        for name in names:
            event = sam_event(service, name)
            key = json.dumps(event, sort_keys=True)
            if key not in seen:
                seen.add(key)
                events.append((f"sam:{service}/{name}", event))
    events.extend(ODD_EVENTS)
    return events


ODD_EVENTS: list[tuple[str, Any]] = [
    ("odd:null", None),
    ("odd:number", 7),
    ("odd:string", "hello"),
    ("odd:empty-list", []),
    ("odd:list-of-numbers", [1, 2]),
    ("odd:empty-object", {}),
    ("odd:records-empty", {"Records": []}),
    ("odd:records-not-objects", {"Records": ["x"]}),
    ("odd:record-source-list", {"Records": [{"eventSource": ["aws:sqs"]}]}),
    ("odd:record-source-number", {"Records": [{"eventSource": 5}]}),
    ("odd:record-source-empty-uses-other", {"Records": [{"eventSource": "", "EventSource": "aws:sns"}]}),
    ("odd:record-source-missing", {"Records": [{"body": "x"}]}),
    ("odd:top-source-list", {"eventSource": {"a": 1}}),
    ("odd:top-source-kafka", {"eventSource": "SelfManagedKafka", "records": {}}),
    (
        "odd:sqs-fifo-by-arn",
        {"Records": [{"eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-1:1:q.fifo"}]},
    ),
    ("odd:sqs-arn-number", {"Records": [{"eventSource": "aws:sqs", "eventSourceARN": 5}]}),
    ("odd:authorizer-without-arn", {"type": "TOKEN", "authorizationToken": "x"}),
    ("odd:websocket-authorizer", {"type": "REQUEST", "routeArn": "arn:x", "requestContext": {}}),
    ("odd:http-domain-list", {"requestContext": {"http": {}, "domainName": ["a.lambda-url.b"]}}),
    ("odd:http-domain-missing", {"requestContext": {"http": {"method": "GET"}}}),
    ("odd:websocket", {"requestContext": {"connectionId": "c", "routeKey": "$default"}, "body": "x"}),
    ("odd:request-context-not-object", {"requestContext": "x", "httpMethod": "GET"}),
    ("odd:alexa-header-namespace-number", {"header": {"namespace": 1}}),
    ("odd:alexa-top-header", {"header": {"namespace": "Alexa.Discovery"}}),
    ("odd:connect-details-not-object", {"Name": "ContactFlowEvent", "Details": []}),
    ("odd:s3-batch-tasks-not-list", {"invocationSchemaVersion": "1.0", "tasks": {}}),
    ("odd:s3-batch-odd-tasks", {"invocationSchemaVersion": "2.0", "invocationId": "i", "tasks": [{"taskId": "t"}, 3]}),
    ("odd:custom-resource-http-url", {"ResponseURL": "http://example.com/x", "RequestType": "Create", "StackId": "s"}),
    ("odd:custom-resource-url-number", {"ResponseURL": 5, "RequestType": "Create", "StackId": "s"}),
    (
        "odd:custom-resource-update",
        {
            "ResponseURL": "https://cloudformation-custom-resource-response.s3.amazonaws.com/x?sig=1",
            "RequestType": "Update",
            "StackId": "arn:aws:cloudformation:eu-west-1:1:stack/s/1",
            "RequestId": "r",
            "LogicalResourceId": "L",
            "PhysicalResourceId": "phys-1",
        },
    ),
    ("odd:big-numbers-and-unicode", {"n": 123456789012345678901234567890, "f": 1e300, "s": "caf\u00e9 \ud83d\ude80"}),
    ("odd:large-event", {"Records": [{"eventSource": "aws:sns", "Sns": {"Message": "m" * 5000}}]}),
]

# (label, client context header, cognito identity header, tenant id, replay marker record state)
CONTEXTS: list[tuple[str, str | None, str | None, str | None]] = [
    ("plain", None, None, None),
    (
        "client-context",
        json.dumps(
            {
                "custom": {"app": "web", "n": 1},
                "env": {"locale": "en"},
                "client": {"installation_id": "i-1", "app_title": "Shop", "extra": "dropped"},
                "w3c": {"traceparent": "00-abc"},
            }
        ),
        json.dumps({"cognitoIdentityId": "eu-west-1:abc", "cognitoIdentityPoolId": "eu-west-1:pool"}),
        "tenant-a",
    ),
    (
        "client-context-empty-parts",
        json.dumps({"custom": {}, "env": None}),
        json.dumps({"cognitoIdentityId": ""}),
        None,
    ),
    ("client-empty-object", json.dumps({"client": {}}), None, None),
    ("replay", json.dumps({"custom": {wire.MARKER_KEY: "original-1", "app": "x"}, "w3c": {"a": 1}}), None, None),
    ("replay-marker-empty", json.dumps({"custom": {wire.MARKER_KEY: ""}}), None, None),
    ("replay-marker-number", json.dumps({"custom": {wire.MARKER_KEY: 5}}), None, None),
]


_DEADLINE_MS = int(cases.NOW_EPOCH * 1000) + 30_000
REPLAY_CONTEXT = json.dumps({"custom": {wire.MARKER_KEY: "original-1", "app": "x"}})


def _context(
    request_id: str,
    client_context: str | None,
    identity: str | None,
    tenant_id: str | None,
    deadline_ms: int = _DEADLINE_MS,
) -> Any:
    from awslambdaric.lambda_context import LambdaContext

    return LambdaContext(
        request_id,
        json.loads(client_context) if client_context else None,
        json.loads(identity) if identity else None,
        deadline_ms,
        cases.FUNCTION_ARN,
        tenant_id,
    )


@contextlib.contextmanager
def _lambda_environment() -> Iterator[None]:
    values = {"AWS_LAMBDA_FUNCTION_NAME": cases.FUNCTION_NAME, "AWS_LAMBDA_LOG_STREAM_NAME": cases.LOG_STREAM}
    with mock.patch.dict(os.environ, values), mock.patch.object(telemetry, "active_filter", telemetry.LogLevelFilter()):
        yield


def _item_json(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB JSON with binary as base64; a compressed event also given as its text (zlib bytes differ by library)."""
    out: dict[str, Any] = {}
    for key, value in sorted(item.items()):
        [(kind, data)] = value.items()
        out[key] = {kind: base64.b64encode(data).decode() if kind == "B" else data}
    return out


def _answer(
    event: Any,
    settings: dict[str, str],
    decision: Decision,
    request_id: str,
    contexts: tuple[str | None, ...],
    *,
    with_item: bool = False,
    deadline_ms: int = _DEADLINE_MS,
    failing_checkpoint: Exception | None = None,
) -> dict[str, Any]:
    config = GateConfig.from_env({**_BASE, **settings})
    table = _Table()
    store = DeferredEventStore(
        config.table_name, "overflow", inline_limit_bytes=config.inline_limit_bytes, client_factory=table
    )
    table.failing_checkpoint = failing_checkpoint
    deferrer = Deferrer(
        store, config.on_defer, on_http=config.on_http, on_ordered=config.on_ordered, client_factory=table
    )
    context = _context(request_id, contexts[0], contexts[1], contexts[2], deadline_ms)
    puts: list[dict[str, Any]] = []

    def urlopen(request: Any, timeout: float) -> _Response:
        puts.append({"url": request.full_url, "body": request.data.decode(), "timeout": timeout})
        return _Response()

    result: dict[str, Any] = {}
    with _clock(cases.NOW_EPOCH), _captured() as buffer, mock.patch("urllib.request.urlopen", urlopen):
        try:
            answer = deferrer.answer(event, context, decision)
        except Exception as exc:  # noqa: BLE001 - the error is the answer being recorded
            result["error"] = {"errorType": type(exc).__name__, "errorMessage": str(exc)}
        else:
            result["response"] = answer
    result["stored"] = bool(table.items or table.updates)
    if table.items and with_item:
        result["item"] = _item_json(table.items[0])
    if table.updates:
        result["requeued"] = table.updates[0]["Key"][schema.KEY]["S"]
    if table.checkpoints:
        result["checkpoint"] = table.checkpoints[0]
    if puts:
        result["custom_resource_put"] = puts[0]
    result["lines"] = buffer.getvalue().splitlines()
    return result


def caller_vectors() -> dict[str, Any]:
    events = []
    with _lambda_environment():
        for index, (name, event) in enumerate(_events()):
            caller = classify(event)
            request_id = f"vector-{index:04d}"
            # The record is the same under every setting that stores; it is kept once, with GATE_ON_DEFER=error.
            answers = {
                label: _answer(
                    event,
                    settings,
                    DECISIONS_FOR_CALLERS[decision],
                    request_id,
                    (None, None, None),
                    with_item=label == "on-defer-error",
                )
                for label, settings, decision in ANSWER_SETTINGS
            }
            # A replay is put back into its record whoever first sent it; GATE_ON_DEFER=error fails even an HTTP one.
            replays = {
                label: _answer(
                    event, settings, DECISIONS_FOR_CALLERS[decision], request_id, (REPLAY_CONTEXT, None, None)
                )
                for label, settings, decision in ANSWER_SETTINGS
                if label in ("defaults", "on-defer-error")
            }
            events.append(
                {
                    "name": name,
                    "request_id": request_id,
                    "event": json.dumps(event),
                    "kind": caller.kind.value,
                    "source": caller.source,
                    "answers": answers,
                    "replays": replays,
                }
            )
    return {
        "now": cases.NOW_EPOCH,
        "function_name": cases.FUNCTION_NAME,
        "function_arn": cases.FUNCTION_ARN,
        "log_stream": cases.LOG_STREAM,
        "deadline_ms": _DEADLINE_MS,
        "settings": {
            label: {"env": {**_BASE, **settings}, "decision": _decision(DECISIONS_FOR_CALLERS[decision])}
            for label, settings, decision in ANSWER_SETTINGS
        },
        "replay_client_context": REPLAY_CONTEXT,
        "events": events,
        "durable_failures": durable_failure_vectors(),
    }


def durable_failure_vectors() -> list[dict[str, Any]]:
    """A durable hold whose checkpoint fails: the invocation fails, naming the failure, and nothing is stored."""
    from tests.fixtures.trigger_events import durable_invocation

    event = durable_invocation()
    out = []
    with _lambda_environment():
        for index, failure in enumerate(
            [RuntimeError("connection reset"), TimeoutError("read timed out " + "x" * 400)]
        ):
            request_id = f"durable-failure-{index}"
            answer = _answer(
                event, {}, DECISIONS_FOR_CALLERS["window"], request_id, (None, None, None), failing_checkpoint=failure
            )
            from gate.aws import describe

            out.append(
                {"request_id": request_id, "event": json.dumps(event), "detail": describe(failure), "answer": answer}
            )
    return out


# Milliseconds the invocation has left when a store begins: too few, none left over, plenty.
DEADLINE_REMAINING_MS = (300, 500, 501, 30_000)


def deadline_vectors() -> list[dict[str, Any]]:
    """The deferral's time bound: a store that cannot begin inside it fails, naming the deadline."""
    out = []
    event = {"Records": [{"eventSource": "aws:sqs", "body": "x"}]}
    with _lambda_environment():
        for remaining in DEADLINE_REMAINING_MS:
            request_id = f"deadline-{remaining}"
            deadline_ms = int(cases.NOW_EPOCH * 1000) + remaining
            answer = _answer(
                event, {}, DECISIONS_FOR_CALLERS["window"], request_id, (None, None, None), deadline_ms=deadline_ms
            )
            out.append(
                {"request_id": request_id, "event": json.dumps(event), "deadline_ms": deadline_ms, "answer": answer}
            )
    return out


def record_vectors() -> dict[str, Any]:
    events = [
        ("small", {"order": 7, "note": "caf\u00e9"}),
        ("unicode-and-numbers", {"s": "\ud83d\ude80 \u2028 \x00", "big": 2**80, "f": 0.1, "neg": -0.0, "e": 1e-7}),
        ("at-compression-threshold", {"p": "x" * (codec.COMPRESS_OVER_BYTES - 8)}),
        ("over-compression-threshold", {"p": "x" * (codec.COMPRESS_OVER_BYTES - 7)}),
        ("overflows-the-inline-limit", {"p": [f"{i:06d}" for i in range(2000)]}),
        ("list", [1, "two", None]),
        ("null", None),
    ]
    records = []
    with _lambda_environment():
        for index, (name, event) in enumerate(events):
            for label, client_context, identity, tenant_id in CONTEXTS:
                if label.startswith("replay") or (index in (2, 3, 4) and label != "plain"):
                    continue
                request_id = f"record-{index:02d}-{label}"
                encoded = codec.encode_event(event)
                context = _context(request_id, client_context, identity, tenant_id)
                from gate.deferral.deferrer import client_context_of, identity_of

                deferral = Deferral(
                    request_id=request_id,
                    function_name=cases.FUNCTION_NAME,
                    function_arn=cases.FUNCTION_ARN,
                    deferred_at_ms=int(cases.NOW_EPOCH * 1000),
                    event=encoded,
                    window=DECISIONS_FOR_CALLERS["window"].window,
                    client_context=client_context_of(context),
                    identity=identity_of(context),
                    tenant_id=getattr(context, "tenant_id", None),
                )
                table = _Table()
                store = DeferredEventStore("deferred", "overflow", inline_limit_bytes=1024, client_factory=table)
                store.defer(deferral)
                item = table.items[0]
                records.append(
                    {
                        "name": f"{name}/{label}",
                        "event": json.dumps(event),
                        "request_id": request_id,
                        "client_context": client_context,
                        "cognito_identity": identity,
                        "tenant_id": tenant_id,
                        "inline_limit_bytes": 1024,
                        "deferred_at_ms": deferral.deferred_at_ms,
                        "window": deferral.window,
                        "event_json": codec.event_json(event).decode(),
                        "digest": encoded.digest,
                        "encoding": encoded.encoding,
                        "size": encoded.size,
                        "item": _item_json(item),
                        "overflow_object": sorted(table.objects),
                        "stored_text": zlib.decompress(encoded.body).decode()
                        if encoded.encoding == codec.COMPRESSED
                        else None,
                    }
                )
    markers = [
        {
            "client_context": header,
            "replayed_request_id": wire.replayed_request_id(_context("m", header, None, None)),
        }
        for _, header, _, _ in CONTEXTS
    ]
    return {"records": records, "markers": markers, "requeue": requeue_vectors(), "deadlines": deadline_vectors()}


def requeue_vectors() -> list[dict[str, Any]]:
    """A replayed invocation meeting a window: which records the real store's conditional update puts back."""
    from tests.vectors.requeue import requeue_cases

    return requeue_cases()


# ---- writing ----


def cache_vectors() -> dict[str, Any]:
    from tests.vectors.cache import cache_vectors

    return cache_vectors()


FILES: dict[str, Callable[[], Any]] = {
    "cache.json": cache_vectors,
    "window.json": window_vectors,
    "json.json": json_vectors,
    "settings.json": settings_vectors,
    "telemetry.json": telemetry_vectors,
    "callers.json": caller_vectors,
    "records.json": record_vectors,
}


def render(name: str) -> str:
    return json.dumps(FILES[name](), indent=1, ensure_ascii=True) + "\n"


def zones_text() -> str:
    return "".join(f"{zone}\n" for zone in sorted(shipped_zone_names()))


def main() -> int:
    for name in FILES:
        (VECTORS_DIR / name).write_text(render(name), encoding="ascii")
        print(f"wrote tests/vectors/{name}")
    ZONES_COPY.write_text(zones_text(), encoding="utf-8")
    print(f"wrote {ZONES_COPY.relative_to(REPOSITORY)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
