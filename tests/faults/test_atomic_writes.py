"""Conditional writes to one item are atomic on the tests' moto server, as they are on DynamoDB.

moto's own server lets two racing conditional writes to one item both succeed: its
threads read the item, check the condition, then write, holding nothing. DynamoDB
never does, and the gate's guarantees rest on that: one record per request id, one
replayer per record. Every moto server the tests, the demo and the sandbox start
comes from ``gate.local.servers.MotoServer``, which launches ``gate.local.atomic_moto``.

These tests race sixteen clients over one item at a time, trial after trial, and
count the winners. Each write carries extra clauses that moto evaluates between
reading the item and writing it (``EXTRA_CLAUSES``): that widens the window in which
a second write can read the old item, so that on moto's plain server the race shows
within a few trials (docs/testing.md gives the rates measured). DynamoDB applies a
write atomically whatever its size, so the clauses change nothing it guarantees.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from gate.aws import error_code, is_conditional_failure
from tests.e2e.conftest import Stack

CLIENTS = 16
TRIALS = 15
KEY = "pk"
# Other attributes a write sets (update) or conditions on (put, delete), evaluated by
# moto after it has read the item; how many were chosen by measuring (docs/testing.md).
EXTRA_CLAUSES = {"update": 16, "condition": 60}
_EXTRA_UPDATE = {f"#set{index}": f"extra{index}" for index in range(EXTRA_CLAUSES["update"])}
_EXTRA_CONDITION = {f"#absent{index}": f"absent{index}" for index in range(EXTRA_CLAUSES["condition"])}
_ABSENT = "".join(f" AND attribute_not_exists({name})" for name in _EXTRA_CONDITION)


def _claim(table: str, key: str, owner: str) -> dict[str, Any]:
    """A lease-like claim: the status moves from pending to taken, the owner is set last."""
    extra = "".join(f"{name} = :me, " for name in _EXTRA_UPDATE)
    return {
        "TableName": table,
        "Key": {KEY: {"S": key}},
        "UpdateExpression": f"SET {extra}#owner = :me, #status = :taken",
        "ConditionExpression": "#status = :pending",
        "ExpressionAttributeNames": {"#status": "status", "#owner": "owner", **_EXTRA_UPDATE},
        "ExpressionAttributeValues": {":taken": {"S": "taken"}, ":pending": {"S": "pending"}, ":me": {"S": owner}},
    }


def claim(client: Any, table: str, key: str, owner: str) -> None:
    client.update_item(**_claim(table, key, owner))


def claim_in_a_transaction(client: Any, table: str, key: str, owner: str) -> None:
    client.transact_write_items(TransactItems=[{"Update": _claim(table, key, owner)}])


def create(client: Any, table: str, key: str, owner: str) -> None:
    """The deferral's put: only if no item has the key."""
    client.put_item(
        TableName=table,
        Item={KEY: {"S": key}, "owner": {"S": owner}},
        ConditionExpression=f"attribute_not_exists(#key){_ABSENT}",
        ExpressionAttributeNames={"#key": KEY, **_EXTRA_CONDITION},
    )


def remove(client: Any, table: str, key: str, owner: str) -> None:
    client.delete_item(
        TableName=table,
        Key={KEY: {"S": key}},
        ConditionExpression=f"#status = :pending{_ABSENT}",
        ExpressionAttributeNames={"#status": "status", **_EXTRA_CONDITION},
        ExpressionAttributeValues={":pending": {"S": "pending"}},
    )


Write = Callable[[Any, str, str, str], None]
# Each conditional write, and whether the item exists (pending) before the race.
WRITES: dict[str, tuple[Write, bool]] = {
    "update_item": (claim, True),
    "put_item": (create, False),
    "delete_item": (remove, True),
    "transact_write_items": (claim_in_a_transaction, True),
}


def lost_its_condition(exc: Exception) -> bool:
    # A transaction whose condition fails is cancelled, with the reason per item.
    return is_conditional_failure(exc) or (
        error_code(exc) == "TransactionCanceledException" and "ConditionalCheckFailed" in str(exc)
    )


@pytest.fixture
def table(stack: Stack) -> Iterator[str]:
    name = f"atomic-{uuid.uuid4().hex[:8]}"
    stack.dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": KEY, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": KEY, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield name
    stack.dynamodb.delete_table(TableName=name)


def race(pool: ThreadPoolExecutor, clients: list[Any], write: Write, table: str, key: str) -> list[str]:
    """All clients write to one item at once; the owners whose write succeeded."""
    barrier = threading.Barrier(len(clients))

    def attempt(index: int) -> str | None:
        owner = f"client-{index}"
        barrier.wait(timeout=60)
        try:
            write(clients[index], table, key, owner)
        except Exception as exc:
            if lost_its_condition(exc):
                return None
            raise
        return owner

    return [owner for owner in pool.map(attempt, range(len(clients))) if owner is not None]


@pytest.mark.parametrize("kind", list(WRITES))
def test_racing_conditional_writes_to_one_item_have_exactly_one_winner(stack: Stack, table: str, kind: str) -> None:
    # GIVEN sixteen clients of the moto server every test uses, their connections open
    write, item_exists = WRITES[kind]
    clients = [stack.client("dynamodb") for _ in range(CLIENTS)]
    for client in clients:
        client.describe_table(TableName=table)

    # WHEN, trial after trial, they all make the same conditional write to one item at once
    winners: dict[str, list[str]] = {}
    with ThreadPoolExecutor(CLIENTS) as pool:
        for trial in range(TRIALS):
            key = f"trial-{trial}"
            if item_exists:
                stack.dynamodb.put_item(TableName=table, Item={KEY: {"S": key}, "status": {"S": "pending"}})
            winners[key] = race(pool, clients, write, table, key)

    # THEN each trial had exactly one winner, and the item holds what that winner wrote
    assert {key: owners for key, owners in winners.items() if len(owners) != 1} == {}
    items = {item[KEY]["S"]: item for item in stack.dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]}
    if kind == "delete_item":
        assert items == {}
    else:
        assert {key: item["owner"]["S"] for key, item in items.items()} == {
            key: owners[0] for key, owners in winners.items()
        }
