package deferral

import (
	"math/big"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Requeue is the conditional UpdateItem store.requeue sends when a replayed invocation
// meets a new window: the original record back to pending, only if it is the replay
// of that record (MarkerAccepted says the same in Go, for tests and the proxy's reasoning).
type Requeue struct {
	Key                       map[string]types.AttributeValue
	UpdateExpression          string
	ConditionExpression       string
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]types.AttributeValue
}

// RequeueUpdate is the UpdateItem of store.requeue for the record originalRequestID names.
func RequeueUpdate(originalRequestID string, d Deferral) Requeue {
	names := map[string]string{
		"#status":      StatusField,
		"#queue":       Queue,
		"#owner":       LeaseOwner,
		"#lease":       LeaseExpires,
		"#redeferrals": Redeferrals,
		"#function":    FunctionName,
		"#digest":      EventDigestName,
		"#tenant":      TenantID,
	}
	values := map[string]types.AttributeValue{
		":pending":   s(string(Pending)),
		":replaying": s(string(Replaying)),
		":queue":     s(QueueValue(d.FunctionName, Pending, originalRequestID)),
		":one":       n("1"),
		":function":  s(d.FunctionName),
		":digest":    s(d.Event.Digest),
		":now":       n(strconv.FormatInt(d.DeferredAtMs, 10)),
	}
	condition := "#status = :replaying AND #lease > :now AND #function = :function AND #digest = :digest AND "
	if d.TenantID != "" {
		condition += "#tenant = :tenant"
		values[":tenant"] = s(d.TenantID)
	} else {
		condition += "attribute_not_exists(#tenant)"
	}
	return Requeue{
		Key:                       map[string]types.AttributeValue{Key: s(originalRequestID)},
		UpdateExpression:          "SET #status = :pending, #queue = :queue REMOVE #owner, #lease ADD #redeferrals :one",
		ConditionExpression:       condition,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
}

// MarkerAccepted evaluates RequeueUpdate's condition against a record: the record is
// replaying under a live lease, of the same function and tenant, and its digest is
// this event's. Anything else is stored as its own record under its own request id.
func MarkerAccepted(record map[string]types.AttributeValue, d Deferral) bool {
	if str(record[StatusField]) != string(Replaying) {
		return false
	}
	lease, ok := number(record[LeaseExpires])
	if !ok || lease.Cmp(big.NewFloat(float64(d.DeferredAtMs))) <= 0 {
		return false
	}
	if str(record[FunctionName]) != d.FunctionName || !isString(record[FunctionName]) {
		return false
	}
	if !isString(record[EventDigestName]) || str(record[EventDigestName]) != d.Event.Digest {
		return false
	}
	tenant, hasTenant := record[TenantID]
	if d.TenantID != "" {
		return hasTenant && isString(tenant) && str(tenant) == d.TenantID
	}
	return !hasTenant
}

func str(value types.AttributeValue) string {
	if member, ok := value.(*types.AttributeValueMemberS); ok {
		return member.Value
	}
	return ""
}

func isString(value types.AttributeValue) bool {
	_, ok := value.(*types.AttributeValueMemberS)
	return ok
}

func number(value types.AttributeValue) (*big.Float, bool) {
	member, ok := value.(*types.AttributeValueMemberN)
	if !ok {
		return nil, false
	}
	f, _, err := big.ParseFloat(member.Value, 10, 200, big.ToNearestEven)
	return f, err == nil
}
