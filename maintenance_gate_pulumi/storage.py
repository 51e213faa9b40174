"""Where deferred events live: the DynamoDB table and the S3 overflow bucket."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from gate.deferral import table as schema
from maintenance_gate_pulumi import policies

# Parts of multipart uploads that never completed hold no event the gate acknowledged.
_ABORT_INCOMPLETE_UPLOADS_DAYS = 1


def kept_on_destroy(opts: pulumi.ResourceOptions, protect: bool) -> pulumi.ResourceOptions:
    """With ``protect``, `pulumi destroy` forgets the resource instead of deleting it.

    Destroy then completes, with everything else gone and the stored events kept. The
    bucket's settings are kept with it, so the bucket left behind stays private,
    encrypted, TLS-only and expiring what replay finished.
    """
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=protect))


def deferred_table(name: str, *, protect: bool, opts: pulumi.ResourceOptions) -> aws.dynamodb.Table:
    """The table, built from ``gate.deferral.table.table_definition()`` so the gate and its table cannot drift."""
    definition = schema.table_definition()
    key = {part["KeyType"]: part["AttributeName"] for part in definition["KeySchema"]}
    return aws.dynamodb.Table(
        f"{name}-deferred",
        attributes=[
            aws.dynamodb.TableAttributeArgs(name=attribute["AttributeName"], type=attribute["AttributeType"])
            for attribute in definition["AttributeDefinitions"]
        ],
        hash_key=key["HASH"],
        range_key=key.get("RANGE"),
        billing_mode=definition["BillingMode"],
        global_secondary_indexes=[
            aws.dynamodb.TableGlobalSecondaryIndexArgs(
                name=index["IndexName"],
                key_schemas=[
                    aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                        attribute_name=part["AttributeName"], key_type=part["KeyType"]
                    )
                    for part in index["KeySchema"]
                ],
                projection_type=index["Projection"]["ProjectionType"],
                non_key_attributes=index["Projection"].get("NonKeyAttributes"),
            )
            for index in definition.get("GlobalSecondaryIndexes", [])
        ],
        point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
        # The AWS-managed key (aws/dynamodb): encrypted at rest with no key policy to keep.
        server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True),
        # Only finished records carry the attribute, so pending events never expire.
        ttl=aws.dynamodb.TableTtlArgs(attribute_name=schema.time_to_live()["AttributeName"], enabled=True),
        deletion_protection_enabled=protect,
        opts=kept_on_destroy(opts, protect),
    )


def overflow_bucket(name: str, *, retention_days: int, protect: bool, opts: pulumi.ResourceOptions) -> aws.s3.Bucket:
    """A private, encrypted, versioned, TLS-only bucket for events too large for a table item."""
    # Without protection, destroy deletes stored objects and their old versions too;
    # with it, destroy leaves the bucket (and its settings) in place, events included.
    opts = kept_on_destroy(opts, protect)
    bucket = aws.s3.Bucket(f"{name}-overflow", force_destroy=not protect, opts=opts)
    public_access = aws.s3.BucketPublicAccessBlock(
        f"{name}-overflow-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-overflow-encryption",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                # SSE-S3: the gate's role needs no KMS grant to write.
                apply_server_side_encryption_by_default=(
                    aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                ),
            )
        ],
        opts=opts,
    )
    versioning = aws.s3.BucketVersioning(
        f"{name}-overflow-versioning",
        bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=opts,
    )
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-overflow-lifecycle",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="finished-events",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=schema.OVERFLOW_PREFIX),
                # Replay deletes an object once its record is replayed, which leaves a
                # noncurrent version: keep that as long as the finished record, then drop
                # it. Current objects never expire: they are events still pending.
                noncurrent_version_expiration=(
                    aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=retention_days
                    )
                ),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(expired_object_delete_marker=True),
                abort_incomplete_multipart_upload=(
                    aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=_ABORT_INCOMPLETE_UPLOADS_DAYS
                    )
                ),
            )
        ],
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[versioning])),
    )
    aws.s3.BucketPolicy(
        f"{name}-overflow-tls-only",
        bucket=bucket.id,
        policy=policies.tls_only_bucket(bucket.arn),
        # S3 refuses concurrent policy and public-access-block changes on one bucket.
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[public_access])),
    )
    return bucket
