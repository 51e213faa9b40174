package deferral

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Outcomes of a store, as the deferrer logs them.
const (
	Stored    = "stored"
	Duplicate = "duplicate"
	Requeued  = "requeued"
)

// PutCondition makes retries of one request id a single record (names: PutNames).
const PutCondition = "attribute_not_exists(#key)"

// PutNames are PutCondition's expression attribute names.
func PutNames() map[string]string { return map[string]string{"#key": Key} }

// Deferral is store.Deferral: one event to keep. ClientContext and Identity are the
// stored JSON texts (StoredClientContext, StoredIdentity), "" for none; Window,
// TenantID "" for none.
type Deferral struct {
	RequestID     string
	FunctionName  string
	FunctionARN   string
	DeferredAtMs  int64
	Event         EncodedEvent
	Window        string
	ClientContext string
	Identity      string
	TenantID      string
}

// The error types a failed store reports, named as the Python gate's exceptions.
const (
	StoreErrorType   = "DeferralStoreError"
	TimeoutErrorType = "DeferralTimeoutError"
)

// StoreError is store.DeferralStoreError: the event could not be kept; the invocation must fail.
type StoreError struct{ Message string }

func (e *StoreError) Error() string { return e.Message }

// ErrorType is the errorType the invocation fails with.
func (e *StoreError) ErrorType() string { return StoreErrorType }

// TimeoutError is store.DeferralTimeoutError: storing did not finish by the
// invocation's deadline; it is not acknowledged, and the invocation must fail.
type TimeoutError struct{ Message string }

func (e *TimeoutError) Error() string { return e.Message }

// ErrorType is the errorType the invocation fails with.
func (e *TimeoutError) ErrorType() string { return TimeoutErrorType }

// Overflows says whether the event is too large for the item and goes to S3 first.
func Overflows(d Deferral, inlineLimitBytes int) bool {
	return len(d.Event.Body) > inlineLimitBytes
}

// NoOverflowBucketError is the failure of an oversized event with no bucket set.
func NoOverflowBucketError(d Deferral, inlineLimitBytes int) error {
	return &StoreError{fmt.Sprintf(
		"event %s is %d bytes stored, over the %d-byte item limit, and GATE_OVERFLOW_BUCKET is not set",
		d.RequestID, len(d.Event.Body), inlineLimitBytes)}
}

// Item is the record store.DeferredEventStore._item writes, attribute for attribute.
// When the event overflows, the item names OverflowKey(function, request id) instead of
// holding the event; the caller puts the body there before the item.
func Item(d Deferral, inlineLimitBytes int) map[string]types.AttributeValue {
	item := map[string]types.AttributeValue{
		Key:           s(d.RequestID),
		FunctionName:  s(d.FunctionName),
		FunctionARN:   s(d.FunctionARN),
		StatusField:   s(string(Pending)),
		Queue:         s(QueueValue(d.FunctionName, Pending, d.RequestID)),
		QueueOrder:    s(OrderValue(d.DeferredAtMs, d.RequestID)),
		DeferredAt:    n(strconv.FormatInt(d.DeferredAtMs, 10)),
		EventEncoding: s(d.Event.Encoding),
		EventSize:     n(strconv.Itoa(d.Event.Size)),
		Attempts:      n("0"),
	}
	if d.Event.Digest != "" {
		item[EventDigestName] = s(d.Event.Digest)
	}
	if d.TenantID != "" {
		item[TenantID] = s(d.TenantID)
	}
	if d.Window != "" {
		item[WindowField] = s(d.Window)
	}
	if d.ClientContext != "" {
		item[ClientContext] = s(d.ClientContext)
	}
	if d.Identity != "" {
		item[Identity] = s(d.Identity)
	}
	if Overflows(d, inlineLimitBytes) {
		item[OverflowKeyName] = s(OverflowKey(d.FunctionName, d.RequestID))
	} else {
		item[EventField] = &types.AttributeValueMemberB{Value: d.Event.Body}
	}
	return item
}

func s(value string) types.AttributeValue { return &types.AttributeValueMemberS{Value: value} }
func n(value string) types.AttributeValue { return &types.AttributeValueMemberN{Value: value} }
