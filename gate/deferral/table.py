"""The deferred-events table: key schema, index and record field names, defined once.

The Pulumi program, the tests and the local sandbox all build the table from
:func:`table_definition`, so the gate and its infrastructure cannot drift apart.
Attribute names appear only here, in the store's writer (gate/deferral/store.py)
and in ``Record`` and its reads (gate/replay/records.py); every other writer names
attributes through :data:`PLACEHOLDERS` (``tests/unit/deferral/test_attribute_names.py``).
"""

from __future__ import annotations

import re
import zlib
from enum import Enum
from typing import Any

# Keyed by Lambda's request id: async retries of one invocation reuse it, so a
# conditional put turns them into a single record.
KEY = "request_id"

# The queue index: partition "<function>#<status>#<shard>", sort "<ms>#<request id>".
# The replayer reads one function's records in one status in deferral order with a
# Query per shard and merges them. A DynamoDB partition takes at most 1,000 write
# units a second and cannot be split while its sort key only grows, so one function's
# deferrals are spread over QUEUE_SHARDS partitions, the shard calculated from the
# request id (a reader finds every shard; a retry lands in the same one). With the
# projected item under 1 KB, 10,000 deferrals/s put 10,000 / 32 = 313 WCU/s on each
# (docs/scale.md). Never change QUEUE_SHARDS on a table that holds records: readers
# would miss the shards beyond the new count.
QUEUE_INDEX = "by-queue-shard"
QUEUE = "queue"
QUEUE_ORDER = "deferred_order"
QUEUE_SHARDS = 32

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
# Where the failed identifiers are kept instead, when they would push the record over
# DynamoDB's item limit: an object in the overflow bucket (gate/replay/leases.py decides).
FAILED_ITEMS_KEY = "failed_items_key"

# Every attribute a record may hold.
ATTRIBUTES = (
    KEY,
    QUEUE,
    QUEUE_ORDER,
    EXPIRES_AT,
    FUNCTION_NAME,
    FUNCTION_ARN,
    STATUS,
    DEFERRED_AT,
    EVENT,
    EVENT_ENCODING,
    EVENT_SIZE,
    OVERFLOW_KEY,
    WINDOW,
    CLIENT_CONTEXT,
    IDENTITY,
    ATTEMPTS,
    LEASE_OWNER,
    LEASE_EXPIRES,
    LAST_ERROR,
    FINISHED_AT,
    REDEFERRALS,
    TENANT_ID,
    EVENT_DIGEST,
    FAILED_ITEMS,
    FAILED_ITEMS_KEY,
)

# The expression placeholder of each attribute a writer names in a condition or an
# update, so that writers outside the store name no attribute themselves.
PLACEHOLDERS = {
    "#key": KEY,
    "#status": STATUS,
    "#queue": QUEUE,
    "#function": FUNCTION_NAME,
    "#owner": LEASE_OWNER,
    "#lease": LEASE_EXPIRES,
    "#attempts": ATTEMPTS,
    "#finished": FINISHED_AT,
    "#expires": EXPIRES_AT,
    "#error": LAST_ERROR,
    "#items": FAILED_ITEMS,
    "#items_key": FAILED_ITEMS_KEY,
    "#digest": EVENT_DIGEST,
    "#tenant": TENANT_ID,
    "#redeferrals": REDEFERRALS,
}

# The object-key prefix of oversized events in the overflow bucket.
OVERFLOW_PREFIX = "deferred/"


# What the queue index carries beside its keys and the table's key: what listings and
# a replayer's claim read. Never the event, its client context or the identity: a
# projected item stays a few hundred bytes (1 WCU per index write), and a payload
# cannot reach a listing. Infra creates the index from table_definition().
QUEUE_INDEX_INCLUDE = (
    FUNCTION_NAME,
    FUNCTION_ARN,
    TENANT_ID,
    STATUS,
    DEFERRED_AT,
    EVENT_SIZE,
    EVENT_ENCODING,
    OVERFLOW_KEY,
    WINDOW,
    ATTEMPTS,
    REDEFERRALS,
    LAST_ERROR,
    LEASE_OWNER,
    LEASE_EXPIRES,
    FINISHED_AT,
    EXPIRES_AT,
    FAILED_ITEMS,
)


class Status(str, Enum):
    PENDING = "pending"
    REPLAYING = "replaying"
    REPLAYED = "replayed"
    FAILED = "failed"


def shard_of(request_id: str) -> int:
    """The record's queue shard: calculated, so every writer of one request id agrees."""
    return zlib.crc32(request_id.encode()) % QUEUE_SHARDS


def queue_value(function_name: str, status: Status, request_id: str) -> str:
    """The queue partition a record in ``status`` belongs to."""
    return shard_queue_value(function_name, status, shard_of(request_id))


def shard_queue_value(function_name: str, status: Status, shard: int) -> str:
    return f"{function_name}#{status.value}#{shard:02d}"


def legacy_queue_value(function_name: str, status: Status) -> str:
    """The unsharded partition of records written before the queue was sharded; still read."""
    return f"{function_name}#{status.value}"


def key_of(request_id: str) -> dict[str, Any]:
    """The table key of a record, as GetItem, UpdateItem and DeleteItem take it."""
    return {KEY: {"S": request_id}}


def expression_names(*expressions: str) -> dict[str, str]:
    """ExpressionAttributeNames for these expressions: only the placeholders they use (DynamoDB refuses others)."""
    text = " ".join(expressions)
    return {placeholder: name for placeholder, name in PLACEHOLDERS.items() if re.search(f"{placeholder}\\b", text)}


def time_to_live() -> dict[str, Any]:
    """The table's TTL setting: DynamoDB removes a record once its ``expires_at`` has passed."""
    return {"Enabled": True, "AttributeName": EXPIRES_AT}


def order_value(deferred_at_ms: int, request_id: str) -> str:
    # Zero-padded so string order is time order; the id breaks ties deterministically.
    return f"{deferred_at_ms:015d}#{request_id}"


def overflow_key(function_name: str, request_id: str) -> str:
    return f"{OVERFLOW_PREFIX}{function_name}/{request_id}.json.z"


def failed_items_key(function_name: str, request_id: str) -> str:
    """The object of a record's failed batch items, beside its event's, under the same prefix and rules."""
    return f"{OVERFLOW_PREFIX}{function_name}/{request_id}.failed-items.json.z"


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
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(QUEUE_INDEX_INCLUDE)},
            }
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }


def create_table(dynamodb_client: Any, table_name: str) -> None:
    """Create the table (and enable its TTL) through a boto3 client; for local use and tests."""
    dynamodb_client.create_table(TableName=table_name, **table_definition())
    dynamodb_client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    dynamodb_client.update_time_to_live(TableName=table_name, TimeToLiveSpecification=time_to_live())
