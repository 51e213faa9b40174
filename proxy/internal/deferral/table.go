package deferral

import (
	"fmt"
	"hash/crc32"
)

// The deferred-events table's names, as gate/deferral/table.py defines them.
const (
	Key             = "request_id"
	QueueIndex      = "by-queue-shard"
	Queue           = "queue"
	QueueOrder      = "deferred_order"
	QueueShards     = 32
	ExpiresAt       = "expires_at"
	FunctionName    = "function_name"
	FunctionARN     = "function_arn"
	StatusField     = "status"
	DeferredAt      = "deferred_at_ms"
	EventField      = "event"
	EventEncoding   = "event_encoding"
	EventSize       = "event_size"
	OverflowKeyName = "overflow_key"
	WindowField     = "window"
	ClientContext   = "client_context"
	Identity        = "identity"
	Attempts        = "attempts"
	LeaseOwner      = "lease_owner"
	LeaseExpires    = "lease_expires_ms"
	LastError       = "last_error"
	FinishedAt      = "finished_at_ms"
	Redeferrals     = "redeferrals"
	TenantID        = "tenant_id"
	EventDigestName = "event_digest"
	FailedItems     = "failed_items"
	OverflowPrefix  = "deferred/"
)

// Status is a record's state: pending -> replaying -> replayed | failed.
type Status string

// The statuses.
const (
	Pending   Status = "pending"
	Replaying Status = "replaying"
	Replayed  Status = "replayed"
	Failed    Status = "failed"
)

// ShardOf is table.shard_of: calculated from the request id, so every writer agrees.
func ShardOf(requestID string) int {
	return int(crc32.ChecksumIEEE([]byte(requestID)) % QueueShards)
}

// QueueValue is table.queue_value: the queue partition a record in this status belongs to.
func QueueValue(functionName string, status Status, requestID string) string {
	return fmt.Sprintf("%s#%s#%02d", functionName, status, ShardOf(requestID))
}

// OrderValue is table.order_value: zero-padded, so string order is time order.
func OrderValue(deferredAtMs int64, requestID string) string {
	return fmt.Sprintf("%015d#%s", deferredAtMs, requestID)
}

// OverflowKey is table.overflow_key: where an event too large for the item goes in S3.
func OverflowKey(functionName, requestID string) string {
	return OverflowPrefix + functionName + "/" + requestID + ".json.z"
}
