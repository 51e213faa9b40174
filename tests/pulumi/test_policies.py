"""The wildcard guards of the policy builder: least privilege cannot erode by accident."""

from __future__ import annotations

import pytest

from maintenance_gate_pulumi.policies import allow

TABLE_ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/gate-deferred"


@pytest.mark.parametrize("action", ["dynamodb:*", "dynamodb:Get*", "*", "s3:*Object"])
def test_an_action_with_a_wildcard_is_refused_by_name(action: str) -> None:
    with pytest.raises(ValueError, match="IAM action") as refusal:
        allow("Read", ["dynamodb:GetItem", action], [TABLE_ARN])

    assert repr(action) in str(refusal.value)


def test_the_resource_star_is_refused() -> None:
    with pytest.raises(ValueError, match=r"IAM resource '\*' is not allowed"):
        allow("Read", ["dynamodb:GetItem"], [TABLE_ARN, "*"])


def test_a_statement_without_resources_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one resource"):
        allow("Read", ["dynamodb:GetItem"], [])


def test_exact_actions_and_object_arns_are_allowed_and_sorted() -> None:
    objects = "arn:aws:s3:::gate-overflow/*"  # objects of one bucket: a scoped ARN, not the resource "*"

    statement = allow("Keep", ["s3:PutObject", "dynamodb:PutItem"], [TABLE_ARN, objects])

    assert statement == {
        "Sid": "Keep",
        "Effect": "Allow",
        "Action": ["dynamodb:PutItem", "s3:PutObject"],
        "Resource": [TABLE_ARN, objects],
    }
