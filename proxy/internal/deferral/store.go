package deferral

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableAPI is what the store asks of DynamoDB (a *dynamodb.Client).
type TableAPI interface {
	PutItem(ctx context.Context, input *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, input *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	GetItem(ctx context.Context, input *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// BucketAPI is what the store asks of S3 (a *clients.Bucket).
type BucketAPI interface {
	PutObject(ctx context.Context, bucket, key string, body []byte) error
}

// Store is gate.deferral.store.DeferredEventStore: one DynamoDB record per request id,
// S3 for an event over the inline limit. A deferral is acknowledged only once DynamoDB
// has accepted the record; any failure is a *StoreError and fails the invocation.
// Retries carry the same request id, and the conditional put makes them one record.
type Store struct {
	table       string
	bucket      string // "" when GATE_OVERFLOW_BUCKET is not set
	inlineLimit int
	dynamo      TableAPI
	s3          func() (BucketAPI, error) // made on first overflow
	Writes      atomic.Int64
}

// NewStore keeps records in table (and oversized events in bucket, through makeS3).
func NewStore(table, bucket string, inlineLimit int, dynamo TableAPI, makeS3 func() (BucketAPI, error)) *Store {
	return &Store{table: table, bucket: bucket, inlineLimit: inlineLimit, dynamo: dynamo, s3: makeS3}
}

// Defer stores the event: Stored, or Duplicate when this request id is already kept.
func (s *Store) Defer(ctx context.Context, d Deferral) (string, error) {
	if Overflows(d, s.inlineLimit) {
		if err := s.putOverflow(ctx, d); err != nil {
			return "", err
		}
	}
	defer s.Writes.Add(1)
	_, err := s.dynamo.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                &s.table,
		Item:                     Item(d, s.inlineLimit),
		ConditionExpression:      aws.String(PutCondition),
		ExpressionAttributeNames: PutNames(),
	})
	if err != nil {
		if isConditionalFailure(err) {
			return Duplicate, nil
		}
		return "", &StoreError{fmt.Sprintf("could not store deferred event %s: %s", d.RequestID, describe(ctx, err))}
	}
	return Stored, nil
}

// Requeue puts the record a replay marker names back to pending, when this invocation
// is that record's replay (RequeueUpdate's condition: replaying under a live lease, the
// same function, tenant and digest); otherwise the event is stored as its own record.
func (s *Store) Requeue(ctx context.Context, originalRequestID string, d Deferral) (string, error) {
	update := RequeueUpdate(originalRequestID, d)
	_, err := s.dynamo.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       update.Key,
		UpdateExpression:          &update.UpdateExpression,
		ConditionExpression:       &update.ConditionExpression,
		ExpressionAttributeNames:  update.ExpressionAttributeNames,
		ExpressionAttributeValues: update.ExpressionAttributeValues,
	})
	s.Writes.Add(1)
	if err != nil {
		if !isConditionalFailure(err) {
			return "", &StoreError{fmt.Sprintf("could not requeue deferred event %s: %s", originalRequestID, describe(ctx, err))}
		}
		return s.Defer(ctx, d)
	}
	return Requeued, nil
}

// Record reads the record a replay marker names (strongly consistent), nil when there is none.
func (s *Store) Record(ctx context.Context, requestID string) (map[string]types.AttributeValue, error) {
	output, err := s.dynamo.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            map[string]types.AttributeValue{Key: &types.AttributeValueMemberS{Value: requestID}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, &StoreError{fmt.Sprintf("could not read deferred event %s: %s", requestID, describe(ctx, err))}
	}
	return output.Item, nil
}

func (s *Store) putOverflow(ctx context.Context, d Deferral) error {
	if s.bucket == "" {
		return NoOverflowBucketError(d, s.inlineLimit)
	}
	client, err := s.s3()
	if err != nil {
		return &StoreError{fmt.Sprintf("could not store oversized event %s in S3: %s", d.RequestID, err)}
	}
	defer s.Writes.Add(1)
	key := OverflowKey(d.FunctionName, d.RequestID)
	// Keyed by request id, so a retried invocation overwrites the same object.
	if err := client.PutObject(ctx, s.bucket, key, d.Event.Body); err != nil {
		return &StoreError{fmt.Sprintf("could not store oversized event %s in S3: %s", d.RequestID, describe(ctx, err))}
	}
	return nil
}

func isConditionalFailure(err error) bool {
	var failed *types.ConditionalCheckFailedException
	return errors.As(err, &failed)
}

// describe is gate.aws.describe: "Code: message", cut at 300 characters; a deadline
// reached says so, since that is the reason, whatever the SDK wrapped around it.
func describe(ctx context.Context, err error) string {
	text := err.Error()
	var apiErr interface {
		ErrorCode() string
		ErrorMessage() string
	}
	switch {
	case ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded):
		text = "DeadlineExceeded: the invocation's deadline (less the margin kept for answering) came first"
	case errors.As(err, &apiErr):
		text = apiErr.ErrorCode() + ": " + apiErr.ErrorMessage()
	}
	if len(text) > 300 {
		return text[:300] + "..."
	}
	return text
}
