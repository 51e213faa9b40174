package gate

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/config"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/deferral"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/runtimeapi"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/telemetry"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/window"
)

type fixed window.Decision

func (f fixed) Current(time.Time) window.Decision { return window.Decision(f) }

type storer struct {
	kept  []deferral.Deferral
	err   error
	block bool
}

func (s *storer) Defer(ctx context.Context, d deferral.Deferral) (string, error) {
	if s.block {
		<-ctx.Done()
		return "", &deferral.StoreError{Message: "could not store deferred event " + d.RequestID + ": " + ctx.Err().Error()}
	}
	if s.err != nil {
		return "", s.err
	}
	s.kept = append(s.kept, d)
	return deferral.Stored, nil
}

func (s *storer) Requeue(ctx context.Context, _ string, d deferral.Deferral) (string, error) {
	return s.Defer(ctx, d)
}

var inside = fixed{Defer: true, Reason: "mode is maintenance"}

func gateWith(decision fixed, s *storer) *Gate {
	env := map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "orders"}
	return New(config.Defaults, env, decision, func() (Storer, error) { return s, nil }, telemetry.New(io.Discard, nil))
}

func eventOf(body string, deadline time.Time) *runtimeapi.Event {
	header := http.Header{}
	header.Set(runtimeapi.HeaderRequestID, "req-1")
	header.Set(runtimeapi.HeaderFunctionArn, "arn:aws:lambda:eu-west-1:123456789012:function:orders")
	header.Set(runtimeapi.HeaderDeadlineMs, strconv.FormatInt(deadline.UnixMilli(), 10))
	return &runtimeapi.Event{Status: 200, Header: header, Body: []byte(body)}
}

func TestOutsideAWindowTheRuntimeGetsTheEvent(t *testing.T) {
	answer, err := gateWith(fixed{Reason: "outside every window"}, &storer{}).Answer(context.Background(), eventOf(`{}`, time.Now().Add(time.Minute)))
	if answer != nil || err != nil {
		t.Fatalf("got %+v %v, want pass-through", answer, err)
	}
}

func TestInsideAWindowAnAsyncEventIsStoredThenAnsweredDeferred(t *testing.T) {
	s := &storer{}
	answer, err := gateWith(inside, s).Answer(context.Background(), eventOf(`{"order": 7}`, time.Now().Add(time.Minute)))
	if err != nil || answer == nil || answer.Error {
		t.Fatalf("got %+v %v", answer, err)
	}
	var body map[string]any
	if json.Unmarshal(answer.Body, &body) != nil || body["deferred"] != true || len(s.kept) != 1 {
		t.Fatalf("answer %s, kept %d", answer.Body, len(s.kept))
	}
	if string(s.kept[0].Event.Body) != `{"order":7}` || s.kept[0].FunctionName != "orders" || s.kept[0].Window != "mode is maintenance" {
		t.Fatalf("kept %+v", s.kept[0])
	}
}

func TestInsideAWindowAnHTTPRequestIsRejectedAndNothingStored(t *testing.T) {
	s := &storer{}
	apiGateway := `{"version":"2.0","routeKey":"GET /orders","rawPath":"/orders","requestContext":{"http":{"method":"GET"},"apiId":"x"},"headers":{}}`
	answer, err := gateWith(inside, s).Answer(context.Background(), eventOf(apiGateway, time.Now().Add(time.Minute)))
	if err != nil || answer == nil || !strings.Contains(string(answer.Body), "503") || len(s.kept) != 0 {
		t.Fatalf("got %+v %v kept %d", answer, err, len(s.kept))
	}
}

func TestAStoreFailureFailsTheInvocationByName(t *testing.T) {
	s := &storer{err: &deferral.StoreError{Message: "could not store deferred event req-1: ResourceNotFoundException: gone"}}
	answer, err := gateWith(inside, s).Answer(context.Background(), eventOf(`{}`, time.Now().Add(time.Minute)))
	var failure *Failure
	if answer != nil || !errors.As(err, &failure) || failure.ErrorType() != DeferralStoreError {
		t.Fatalf("got %+v %v", answer, err)
	}
}

func TestAStoreStillRunningAtTheDeadlineLessTheMarginFailsTheInvocation(t *testing.T) {
	deadline := time.Now().Add(AnswerMargin + 200*time.Millisecond)
	started := time.Now()
	answer, err := gateWith(inside, &storer{block: true}).Answer(context.Background(), eventOf(`{}`, deadline))
	took := time.Since(started)
	var failure *Failure
	if answer != nil || !errors.As(err, &failure) || failure.ErrorType() != DeferralStoreError {
		t.Fatalf("got %+v %v", answer, err)
	}
	if took > 200*time.Millisecond+150*time.Millisecond {
		t.Fatalf("the store ran %v, past the invocation's deadline less the margin", took)
	}
}
