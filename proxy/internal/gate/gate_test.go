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

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/clients"
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
	var named runtimeapi.NamedError
	if answer != nil || !errors.As(err, &named) || named.ErrorType() != deferral.StoreErrorType {
		t.Fatalf("got %+v %v", answer, err)
	}
}

func TestAStoreStillRunningAtTheDeadlineLessTheMarginFailsTheInvocation(t *testing.T) {
	margin := time.Duration(deferral.MarginSeconds * float64(time.Second))
	deadline := time.Now().Add(margin + 200*time.Millisecond)
	started := time.Now()
	answer, err := gateWith(inside, &storer{block: true}).Answer(context.Background(), eventOf(`{}`, deadline))
	took := time.Since(started)
	var named runtimeapi.NamedError
	if answer != nil || !errors.As(err, &named) || named.ErrorType() != deferral.TimeoutErrorType || !strings.Contains(err.Error(), "not finished within") {
		t.Fatalf("got %+v %v", answer, err)
	}
	if took > 200*time.Millisecond+150*time.Millisecond {
		t.Fatalf("the store ran %v, past the invocation's deadline less the margin", took)
	}
}

func TestWithNoTimeLeftNothingIsSent(t *testing.T) {
	s := &storer{}
	answer, err := gateWith(inside, s).Answer(context.Background(), eventOf(`{}`, time.Now().Add(100*time.Millisecond)))
	var named runtimeapi.NamedError
	if answer != nil || !errors.As(err, &named) || named.ErrorType() != deferral.TimeoutErrorType || !strings.Contains(err.Error(), "no time left") {
		t.Fatalf("got %+v %v", answer, err)
	}
	if len(s.kept) != 0 {
		t.Fatal("a store was sent with no time left")
	}
}

type checkpointer struct {
	arn, token string
	updates    []clients.CheckpointUpdate
	err        error
}

func (c *checkpointer) Checkpoint(_ context.Context, arn, token, _ string, updates []clients.CheckpointUpdate) error {
	c.arn, c.token, c.updates = arn, token, updates
	return c.err
}

const durableEvent = `{"DurableExecutionArn":"arn:aws:lambda:us-east-1:123456789012:function:orders:1/durable-execution/x/y","CheckpointToken":"tok","InitialExecutionState":{"Operations":[]}}`

func TestADurableInvocationWaitsInTheServiceAndAnswersPending(t *testing.T) {
	c := &checkpointer{}
	g := gateWith(inside, &storer{}).WithDurable(func() (Checkpointer, error) { return c, nil })
	answer, err := g.Answer(context.Background(), eventOf(durableEvent, time.Now().Add(time.Minute)))
	if err != nil || answer == nil || answer.Error || string(answer.Body) != `{"Status": "PENDING"}` {
		t.Fatalf("got %+v %v", answer, err)
	}
	if c.token != "tok" || len(c.updates) != 1 || c.updates[0].Type != "WAIT" || c.updates[0].WaitOptions.WaitSeconds != 300 {
		t.Fatalf("checkpoint %+v", c)
	}
	c.err = errors.New("connection refused")
	answer, err = g.Answer(context.Background(), eventOf(durableEvent, time.Now().Add(time.Minute)))
	if err != nil || answer == nil || !answer.Error || answer.ErrorType != "MaintenanceWindowError" {
		t.Fatalf("a failed checkpoint: got %+v %v, want the invocation failed", answer, err)
	}
}
