"""The deferred-events table: key schema, index and record field names, defined once.

The Pulumi program, the tests and the local sandbox all build the table from
:func:`table_definition`, so the gate and its infrastructure cannot drift apart.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

# Keyed by Lambda's request id: async retries of one invocation reuse it, so a
# conditional put turns them into a single record.
KEY = "request_id"

# A sparse-by-status index: partition "<function>#<status>", sort "<ms>#<request id>".
# The replayer reads one function's pending records in deferral order with a Query.
QUEUE_INDEX = "by-function-status"
QUEUE = "queue"
QUEUE_ORDER = "deferred_order"

# Set only once a record is finished; DynamoDB's TTL then removes it. Pending
# records never carry it, so they never expire.
EXPIRES_AT = "expires_at"
# How long a finished record (and its overflow object's old version) is kept.
DEFAULT_RETENTION_DAYS = 14

FUNCTION_NAME = "function_name"
FUNCTION_ARN = "function_arn"
STATUS = "status"
DEFERRED_AT = "deferred_at_ms"
EVENT = "event"
EVENT_ENCODING = "event_encoding"
EVENT_SIZE = "event_size"
OVERFLOW_KEY = "overflow_key"
WINDOW = "window"
CLIENT_CONTEXT = "client_context"
IDENTITY = "identity"
ATTEMPTS = "attempts"
LEASE_OWNER = "lease_owner"
LEASE_EXPIRES = "lease_expires_ms"
LAST_ERROR = "last_error"
FINISHED_AT = "finished_at_ms"
REDEFERRALS = "redeferrals"
# The tenant of a tenant-isolated function's invocation; replay sends it as TenantId.
TENANT_ID = "tenant_id"
# SHA-256 of the JSON text the next replay of this record sends: the full event, or
# after a partial batch failure only its failed items. The gate puts a replayed
# invocation back into its record only when the digests match.
EVENT_DIGEST = "event_digest"
# The identifiers (SQS messageId, Kinesis or DynamoDB Streams sequence number) of the
# batch items whose replay failed; a later replay sends only these, in batch order.
FAILED_ITEMS = "failed_items"

# The object-key prefix of oversized events in the overflow bucket.
OVERFLOW_PREFIX = "deferred/"


class Status(str, Enum):
    PENDING = "pending"
    REPLAYING = "replaying"
    REPLAYED = "replayed"
    FAILED = "failed"


def queue_value(function_name: str, status: Status) -> str:
    return f"{function_name}#{status.value}"


def order_value(deferred_at_ms: int, request_id: str) -> str:
    # Zero-padded so string order is time order; the id breaks ties deterministically.
    return f"{deferred_at_ms:015d}#{request_id}"


def overflow_key(function_name: str, request_id: str) -> str:
    return f"{OVERFLOW_PREFIX}{function_name}/{request_id}.json.z"


def table_definition() -> dict[str, Any]:
    """Keyword arguments for DynamoDB ``CreateTable`` (on-demand billing)."""
    return {
        "AttributeDefinitions": [
            {"AttributeName": KEY, "AttributeType": "S"},
            {"AttributeName": QUEUE, "AttributeType": "S"},
            {"AttributeName": QUEUE_ORDER, "AttributeType": "S"},
        ],
        "KeySchema": [{"AttributeName": KEY, "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": QUEUE_INDEX,
                "KeySchema": [
                    {"AttributeName": QUEUE, "KeyType": "HASH"},
                    {"AttributeName": QUEUE_ORDER, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }


def create_table(dynamodb_client: Any, table_name: str) -> None:
    """Create the table (and enable its TTL) through a boto3 client; for local use and tests."""
    dynamodb_client.create_table(TableName=table_name, **table_definition())
    dynamodb_client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    dynamodb_client.update_time_to_live(
        TableName=table_name, TimeToLiveSpecification={"Enabled": True, "AttributeName": EXPIRES_AT}
    )
