"""Who invoked the function, told by the event's shape, so a deferral answers as that caller needs.

The keys are those Powertools' ``utilities/data_classes`` read for each source, checked
against AWS SAM CLI's generated sample events. Only the deferral path calls this; it
reads a few top-level keys and never raises, whatever the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class CallerKind(str, Enum):
    HTTP = "http"
    """Answers an HTTP client: API Gateway REST, HTTP and WebSocket APIs, function URLs, ALB."""
    IMMEDIATE = "immediate"
    """Acts on the answer at once (authorizers, bots, transformations): it must never see a fake success."""
    ORDERED = "ordered"
    """A poller that keeps records in order per shard or message group, and retries a failed batch."""
    DURABLE = "durable"
    """The Lambda durable execution service: the execution waits out the window; nothing is stored."""
    STORED = "stored"
    """Everything else: the event is kept for replay and the invocation answered."""


@dataclass(frozen=True)
class Caller:
    kind: CallerKind
    source: str
    """A short name for logs, metrics and error messages, e.g. ``kinesis`` or ``lex-v2``."""


UNKNOWN = Caller(CallerKind.STORED, "unknown")
DURABLE = Caller(CallerKind.DURABLE, "durable")
ALB_SOURCE = "alb"  # answered in the header mode it asked in (gate.callers.responses)
_IMMEDIATE_TOP_LEVEL_KEYS = (
    ("labelingJobArn", "sagemaker-ground-truth"),
    ("applicationArn", "kinesis-analytics"),
    ("deliveryStreamArn", "firehose"),
    ("deliverySteamArn", "firehose"),  # sic: SAM's Kinesis-as-source sample spells it so
    ("datasetRecords", "cognito-sync"),
)
_ORDERED_SOURCES = {
    "aws:kinesis": "kinesis",
    "aws:dynamodb": "dynamodb-streams",
    "aws:kafka": "msk",
    "SelfManagedKafka": "kafka",
}


def classify(event: Any) -> Caller:
    try:
        if isinstance(event, dict):
            return _classify_object(event)
        if isinstance(event, list) and event and isinstance(event[0], dict) and _is_appsync(event[0]):
            return Caller(CallerKind.IMMEDIATE, "appsync-batch")
    except Exception:  # noqa: BLE001 - an odd event must never stop a deferral; it is kept as unknown
        return UNKNOWN
    return UNKNOWN


def _classify_object(event: dict[str, Any]) -> Caller:
    if _is_durable_invocation(event):
        return DURABLE
    if event.get("type") in ("TOKEN", "REQUEST") and ("methodArn" in event or "routeArn" in event):
        return Caller(CallerKind.IMMEDIATE, "apigateway-authorizer")
    context = event.get("requestContext")
    if isinstance(context, dict):
        http = _http_source(event, context)
        if http:
            return Caller(CallerKind.HTTP, http)
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        return _classify_record(records[0])
    if event.get("eventSource") in _ORDERED_SOURCES:
        return Caller(CallerKind.ORDERED, _ORDERED_SOURCES[event["eventSource"]])
    return _classify_immediate(event) or UNKNOWN


def _http_source(event: dict[str, Any], context: dict[str, Any]) -> str | None:
    if "elb" in context:
        return ALB_SOURCE
    if isinstance(context.get("http"), dict):
        domain = str(context.get("domainName", ""))
        return "function-url" if ".lambda-url." in domain else "apigateway-http"
    if "httpMethod" in event:
        return "apigateway-rest"
    if "connectionId" in context and "routeKey" in context:
        return "apigateway-websocket"
    return None


def _classify_record(record: dict[str, Any]) -> Caller:
    source = record.get("eventSource") or record.get("EventSource")
    if source in _ORDERED_SOURCES:
        return Caller(CallerKind.ORDERED, _ORDERED_SOURCES[source])
    if source == "aws:sqs":
        attributes = record.get("attributes")
        fifo = str(record.get("eventSourceARN", "")).endswith(".fifo") or (
            isinstance(attributes, dict) and "MessageGroupId" in attributes
        )
        return Caller(CallerKind.ORDERED, "sqs-fifo") if fifo else Caller(CallerKind.STORED, "sqs")
    if "cf" in record:
        return Caller(CallerKind.IMMEDIATE, "cloudfront")
    return Caller(CallerKind.STORED, str(source).removeprefix("aws:") if source else "unknown")


def _classify_immediate(event: dict[str, Any]) -> Caller | None:
    if "ResponseURL" in event and "RequestType" in event and "StackId" in event:
        return Caller(CallerKind.IMMEDIATE, "cloudformation-custom-resource")
    if "triggerSource" in event and "userPoolId" in event:
        return Caller(CallerKind.IMMEDIATE, "cognito-user-pool")
    if isinstance(event.get("bot"), dict) and ("currentIntent" in event or "sessionState" in event):
        return Caller(CallerKind.IMMEDIATE, "lex-v2" if "sessionState" in event else "lex")
    if isinstance(event.get("request"), dict) and ("session" in event or "context" in event) and "version" in event:
        return Caller(CallerKind.IMMEDIATE, "alexa-skill")
    if _is_alexa_smart_home(event):
        return Caller(CallerKind.IMMEDIATE, "alexa-smart-home")
    if _is_appsync(event):
        return Caller(CallerKind.IMMEDIATE, "appsync")
    if event.get("Name") == "ContactFlowEvent" and isinstance(event.get("Details"), dict):
        return Caller(CallerKind.IMMEDIATE, "connect")
    if "invocationSchemaVersion" in event and isinstance(event.get("tasks"), list):
        return Caller(CallerKind.IMMEDIATE, "s3-batch")
    for key, source in _IMMEDIATE_TOP_LEVEL_KEYS:
        if key in event:
            return Caller(CallerKind.IMMEDIATE, source)
    return None


def _is_appsync(event: dict[str, Any]) -> bool:
    info = event.get("info")
    return isinstance(info, dict) and "fieldName" in info and "parentTypeName" in info


def _is_alexa_smart_home(event: dict[str, Any]) -> bool:
    directive = event.get("directive")
    header = directive.get("header") if isinstance(directive, dict) else event.get("header")
    return isinstance(header, dict) and str(header.get("namespace", "")).startswith("Alexa")


def _is_durable_invocation(event: dict[str, Any]) -> bool:
    # The durable execution service's invocation envelope (the SDKs' DurableExecutionInvocationInput);
    # the function's own input is inside InitialExecutionState, never at the top level.
    return (
        isinstance(event.get("CheckpointToken"), str)
        and isinstance(event.get("DurableExecutionArn"), str)
        and isinstance(event.get("InitialExecutionState"), dict)
    )
