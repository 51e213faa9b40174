package deferral

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

type table struct {
	puts    []*dynamodb.PutItemInput
	updates []*dynamodb.UpdateItemInput
	putErr  error
	updErr  error
}

func (t *table) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	t.puts = append(t.puts, in)
	return &dynamodb.PutItemOutput{}, t.putErr
}

func (t *table) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	t.updates = append(t.updates, in)
	return &dynamodb.UpdateItemOutput{}, t.updErr
}

func (t *table) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return &dynamodb.GetItemOutput{}, nil
}

type bucket struct {
	keys []string
	err  error
}

func (b *bucket) PutObject(_ context.Context, _ string, key string, _ []byte) error {
	b.keys = append(b.keys, key)
	return b.err
}

type apiError struct{ code, message string }

func (e apiError) Error() string        { return e.code + ": " + e.message }
func (e apiError) ErrorCode() string    { return e.code }
func (e apiError) ErrorMessage() string { return e.message }

func deferral(t *testing.T, body string) Deferral {
	t.Helper()
	encoded, err := Encode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return Deferral{RequestID: "req-1", FunctionName: "orders", FunctionARN: "arn", DeferredAtMs: 1_800_000_000_000, Event: encoded}
}

func TestADeferralIsOneConditionalPut(t *testing.T) {
	tb := &table{}
	store := NewStore("deferred", "", 350_000, tb, nil)
	outcome, err := store.Defer(context.Background(), deferral(t, `{"a":1}`))
	if err != nil || outcome != Stored || len(tb.puts) != 1 {
		t.Fatalf("outcome %q err %v puts %d", outcome, err, len(tb.puts))
	}
	if *tb.puts[0].ConditionExpression != PutCondition || tb.puts[0].ExpressionAttributeNames["#key"] != Key {
		t.Fatalf("the put is not conditional on the request id: %+v", tb.puts[0])
	}
}

func TestARetriedInvocationIsADuplicateNotAFailure(t *testing.T) {
	tb := &table{putErr: &types.ConditionalCheckFailedException{}}
	outcome, err := NewStore("deferred", "", 350_000, tb, nil).Defer(context.Background(), deferral(t, `{}`))
	if err != nil || outcome != Duplicate {
		t.Fatalf("outcome %q err %v, want duplicate", outcome, err)
	}
}

func TestAFailedPutIsAStoreErrorNamingTheCause(t *testing.T) {
	tb := &table{putErr: apiError{"ProvisionedThroughputExceededException", "slow down"}}
	_, err := NewStore("deferred", "", 350_000, tb, nil).Defer(context.Background(), deferral(t, `{}`))
	var storeErr *StoreError
	if !errors.As(err, &storeErr) || !strings.Contains(err.Error(), "could not store deferred event req-1: ProvisionedThroughputExceededException: slow down") {
		t.Fatalf("got %v", err)
	}
}

func TestAnOversizedEventGoesToS3BeforeTheItemOrFailsWithoutABucket(t *testing.T) {
	big := `{"blob":"` + strings.Repeat("x", 5000) + `"}`
	tb, b := &table{}, &bucket{}
	store := NewStore("deferred", "overflow", 1024, tb, func() (BucketAPI, error) { return b, nil })
	d := deferral(t, big)
	d.Event.Body = []byte(strings.Repeat("z", 2048)) // over the 1024-byte inline limit as stored
	if _, err := store.Defer(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if len(b.keys) != 1 || b.keys[0] != OverflowKey("orders", "req-1") {
		t.Fatalf("S3 keys %v", b.keys)
	}
	if _, inline := tb.puts[0].Item[EventField]; inline {
		t.Fatal("the item holds the event as well as S3")
	}

	tb2 := &table{}
	_, err := NewStore("deferred", "", 1024, tb2, nil).Defer(context.Background(), d)
	if err == nil || !strings.Contains(err.Error(), "GATE_OVERFLOW_BUCKET is not set") || len(tb2.puts) != 0 {
		t.Fatalf("without a bucket: err %v, puts %d", err, len(tb2.puts))
	}

	tb3, failing := &table{}, &bucket{err: apiError{"AccessDenied", "no"}}
	_, err = NewStore("deferred", "overflow", 1024, tb3, func() (BucketAPI, error) { return failing, nil }).Defer(context.Background(), d)
	if err == nil || !strings.Contains(err.Error(), "in S3: AccessDenied") || len(tb3.puts) != 0 {
		t.Fatalf("S3 failing: err %v, puts %d (no item may name an object that was not written)", err, len(tb3.puts))
	}
}

func TestARequeueRefusedByItsConditionStoresTheEventAsItsOwnRecord(t *testing.T) {
	tb := &table{updErr: &types.ConditionalCheckFailedException{}}
	outcome, err := NewStore("deferred", "", 350_000, tb, nil).Requeue(context.Background(), "original", deferral(t, `{}`))
	if err != nil || outcome != Stored || len(tb.updates) != 1 || len(tb.puts) != 1 {
		t.Fatalf("outcome %q err %v updates %d puts %d", outcome, err, len(tb.updates), len(tb.puts))
	}
	tb = &table{}
	outcome, err = NewStore("deferred", "", 350_000, tb, nil).Requeue(context.Background(), "original", deferral(t, `{}`))
	if err != nil || outcome != Requeued || len(tb.puts) != 0 {
		t.Fatalf("outcome %q err %v puts %d", outcome, err, len(tb.puts))
	}
}

func TestADeadlineReachedSaysSo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ctx, cancel2 := context.WithTimeout(ctx, 0)
	defer cancel2()
	tb := &table{putErr: context.DeadlineExceeded}
	_, err := NewStore("deferred", "", 350_000, tb, nil).Defer(ctx, deferral(t, `{}`))
	if err == nil || !strings.Contains(err.Error(), "DeadlineExceeded: the invocation's deadline") {
		t.Fatalf("got %v", err)
	}
}
