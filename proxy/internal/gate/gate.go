// Package gate is the proxy's gate: per event taken from Lambda, the cached decision,
// then (inside a window) the caller's answer and, for a kept event, the stored record,
// as gate/handler.py and gate/deferral/deferrer.py do in process for Python.
package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/callers"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/clients"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/config"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/deferral"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/runtimeapi"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/telemetry"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/window"
)

// EventEncodingError names an event the store cannot encode, as the Python gate does.
const EventEncodingError = "EventEncodingError"

// Decider is the cached window decision (a *window.Source).
type Decider interface {
	Current(deadline time.Time) window.Decision
}

// Storer keeps events (a *deferral.Store).
type Storer interface {
	Defer(ctx context.Context, d deferral.Deferral) (string, error)
	Requeue(ctx context.Context, originalRequestID string, d deferral.Deferral) (string, error)
}

// Checkpointer starts a durable execution's wait (a *clients.Durable).
type Checkpointer interface {
	Checkpoint(ctx context.Context, arn, checkpointToken, clientToken string, updates []clients.CheckpointUpdate) error
}

// Gate answers runtimeapi's question for each event.
type Gate struct {
	config       config.Config
	source       Decider
	store        func() (Storer, error) // made on the first deferral, once
	durable      func() (Checkpointer, error)
	log          *telemetry.Logger
	functionName string
	logStream    string
	clock        func() time.Time
	http         *http.Client // the custom-resource PUT
}

// New is the gate for cfg, reading the window from source and storing through makeStore.
func New(cfg config.Config, env map[string]string, source Decider, makeStore func() (Storer, error), log *telemetry.Logger) *Gate {
	return &Gate{
		config: cfg, source: source, store: lazy(makeStore), log: log,
		durable:      lazy(func() (Checkpointer, error) { return clients.Lambda(env) }),
		functionName: env["AWS_LAMBDA_FUNCTION_NAME"], logStream: env["AWS_LAMBDA_LOG_STREAM_NAME"],
		clock: time.Now, http: &http.Client{},
	}
}

// WithDurable replaces the durable execution client, for tests.
func (g *Gate) WithDurable(make func() (Checkpointer, error)) *Gate {
	g.durable = lazy(make)
	return g
}

// WithClock replaces the clock, for tests.
func (g *Gate) WithClock(clock func() time.Time) *Gate {
	g.clock = clock
	return g
}

// Answer is nil outside a window (the runtime gets the event); inside, the answer the
// Python gate would give, or an error that fails the invocation.
func (g *Gate) Answer(ctx context.Context, event *runtimeapi.Event) (*runtimeapi.Answer, error) {
	deadline, _ := event.Deadline()
	decision := g.source.Current(deadline)
	if !decision.Defer {
		return nil, nil
	}
	now := g.clock()
	invocation := callers.Invocation{
		RequestID:    event.RequestID(),
		FunctionName: g.functionName,
		LogStream:    g.logStream,
		ReplayOf:     deferral.ReplayedRequestID(event.Header.Get(runtimeapi.HeaderClientContext)),
	}
	action := callers.Plan(event.Body, invocation, decision, g.config, now)
	switch action.Kind {
	case callers.PassThrough:
		return nil, nil
	case callers.Answer:
		g.refused(action, invocation)
		return &runtimeapi.Answer{Body: action.Body}, nil
	case callers.Refuse, callers.Hold:
		g.refused(action, invocation)
		return invocationError(invocation.RequestID, action.ErrorType, action.ErrorMessage), nil
	case callers.CustomResource:
		return g.customResource(ctx, event, action, invocation), nil
	case callers.DurableHold:
		return g.durableHold(ctx, event, action, invocation), nil
	}
	return g.deferEvent(ctx, event, action, invocation, decision, now)
}

func (g *Gate) refused(action callers.Action, invocation callers.Invocation, extra ...telemetry.Field) {
	if action.LogAnswer == "" {
		return
	}
	g.log.Log("INFO", "invocation refused", append(action.RefusalFields(invocation), extra...)...)
	g.log.Metric("Rejections", 1, "", telemetry.F("FunctionName", invocation.FunctionName))
}

func (g *Gate) customResource(ctx context.Context, event *runtimeapi.Event, action callers.Action, invocation callers.Invocation) *runtimeapi.Answer {
	deadline, known := event.Deadline()
	timeout := callers.CustomResourceTimeout(time.Until(deadline), known)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	request, err := http.NewRequestWithContext(ctx, http.MethodPut, action.ResponseURL, bytes.NewReader(action.ResponseBody))
	if err != nil {
		reply := callers.CustomResourceFailure(err.Error())
		return invocationError(invocation.RequestID, reply.ErrorType, reply.ErrorMessage)
	}
	// The presigned URL is signed without a content type, so none may be sent.
	request.Header["Content-Type"] = []string{""}
	response, err := g.http.Do(request)
	if err == nil {
		_ = response.Body.Close()
		if response.StatusCode >= 400 {
			err = fmt.Errorf("HTTP Error %d: %s", response.StatusCode, http.StatusText(response.StatusCode))
		}
	}
	if err != nil {
		reply := callers.CustomResourceFailure(err.Error())
		return invocationError(invocation.RequestID, reply.ErrorType, reply.ErrorMessage)
	}
	g.refused(action, invocation, telemetry.F("response_status", response.StatusCode))
	return &runtimeapi.Answer{Body: []byte("null")}
}

func (g *Gate) deferEvent(ctx context.Context, event *runtimeapi.Event, action callers.Action, invocation callers.Invocation, decision window.Decision, now time.Time) (*runtimeapi.Answer, error) {
	requestID := invocation.RequestID
	encoded, outcome, err := g.storeBefore(ctx, event, action, invocation, decision, now)
	if err != nil {
		g.log.Log("ERROR", "deferral failed", telemetry.F("request_id", requestID), telemetry.F("error", err.Error()))
		g.log.Metric("DeferralErrors", 1, "", telemetry.F("FunctionName", invocation.FunctionName))
		return nil, err
	}
	var replayOf any
	if invocation.ReplayOf != "" {
		replayOf = invocation.ReplayOf
	}
	g.log.Log("INFO", "invocation deferred",
		telemetry.F("request_id", requestID),
		telemetry.F("function", invocation.FunctionName),
		telemetry.F("outcome", outcome),
		telemetry.F("replay_of", replayOf),
		telemetry.F("event_bytes", encoded.Size),
		telemetry.F("stored_bytes", len(encoded.Body)),
		telemetry.F("reason", decision.Reason),
		telemetry.F("caller", action.LogCaller()))
	g.log.Metric("Deferrals", 1, "", telemetry.F("FunctionName", invocation.FunctionName))
	reply := action.StoredReply(requestID, window.Timestamp(now))
	if reply.ErrorType != "" {
		return invocationError(requestID, reply.ErrorType, reply.ErrorMessage), nil
	}
	return &runtimeapi.Answer{Body: reply.Body}, nil
}

// storeBefore stores within the invocation's remaining time less deferral.MarginSeconds
// (gate/deferral/deadline.py): with none left nothing is sent; a store still running
// when it runs out is given up on and the invocation fails (DeferralTimeoutError).
// A store given up on may still land: keyed by the request id, a retry makes one record.
func (g *Gate) storeBefore(ctx context.Context, event *runtimeapi.Event, action callers.Action, invocation callers.Invocation, decision window.Decision, now time.Time) (deferral.EncodedEvent, string, error) {
	deadline, known := event.Deadline()
	if !known {
		return g.storeEvent(ctx, event, action, invocation, decision, now)
	}
	budget := deferral.StoreBudget(deadline.UnixMilli(), g.clock())
	if budget <= 0 {
		return deferral.EncodedEvent{}, "", deferral.NoTimeLeftError(invocation.RequestID, budget)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(budget*float64(time.Second)))
	defer cancel()
	encoded, outcome, err := g.storeEvent(ctx, event, action, invocation, decision, now)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return encoded, "", deferral.NotFinishedError(invocation.RequestID, budget)
	}
	return encoded, outcome, err
}

func (g *Gate) storeEvent(ctx context.Context, event *runtimeapi.Event, action callers.Action, invocation callers.Invocation, decision window.Decision, now time.Time) (deferral.EncodedEvent, string, error) {
	encoded, err := deferral.EncodeValue(action.Event())
	if err != nil {
		return encoded, "", &Failure{EventEncodingError, err.Error()}
	}
	record := deferral.Deferral{
		RequestID:     invocation.RequestID,
		FunctionName:  invocation.FunctionName,
		FunctionARN:   event.Header.Get(runtimeapi.HeaderFunctionArn),
		DeferredAtMs:  now.UnixMilli(),
		Event:         encoded,
		Window:        decision.WindowOrReason(),
		ClientContext: deferral.StoredClientContext(event.Header.Get(runtimeapi.HeaderClientContext)),
		Identity:      deferral.StoredIdentity(event.Header.Get(runtimeapi.HeaderCognitoIdentity)),
		TenantID:      event.Header.Get(runtimeapi.HeaderTenantID),
	}
	store, err := g.store()
	if err != nil {
		return encoded, "", &deferral.StoreError{Message: "could not store deferred event " + invocation.RequestID + ": " + err.Error()}
	}
	var outcome string
	if invocation.ReplayOf != "" {
		outcome, err = store.Requeue(ctx, invocation.ReplayOf, record)
	} else {
		outcome, err = store.Defer(ctx, record)
	}
	if err != nil {
		return encoded, "", err // a *deferral.StoreError: it names itself
	}
	return encoded, outcome, nil
}

// Failure is an invocation the proxy fails: ErrorType names it for Lambda's error report.
type Failure struct {
	Type    string
	Message string
}

func (f *Failure) Error() string     { return f.Message }
func (f *Failure) ErrorType() string { return f.Type }

var _ runtimeapi.NamedError = (*Failure)(nil)

// invocationError is the error report awslambdaric posts for an exception the handler
// raised: errorMessage, errorType, requestId and a stack trace (empty: none is ours to show).
func invocationError(requestID, errorType, message string) *runtimeapi.Answer {
	body, err := json.Marshal(struct {
		ErrorMessage string   `json:"errorMessage"`
		ErrorType    string   `json:"errorType"`
		RequestID    string   `json:"requestId"`
		StackTrace   []string `json:"stackTrace"`
	}{message, errorType, requestID, []string{}})
	if err != nil {
		body = []byte(`{"errorType":` + strconv.Quote(errorType) + `}`)
	}
	return &runtimeapi.Answer{Error: true, ErrorType: errorType, Body: body}
}

// lazy makes the store once, on first use; a failure is returned to that deferral and
// tried again by the next.
func lazy[T any](make func() (T, error)) func() (T, error) {
	var made T
	var done bool
	var mu sync.Mutex
	return func() (T, error) {
		mu.Lock()
		defer mu.Unlock()
		if done {
			return made, nil
		}
		value, err := make()
		if err != nil {
			return value, err
		}
		made, done = value, true
		return made, nil
	}
}

// durableHold checkpoints the execution's wait until the window ends, then answers
// PENDING; a failed checkpoint fails the invocation, so the durable service retries it.
func (g *Gate) durableHold(ctx context.Context, event *runtimeapi.Event, action callers.Action, invocation callers.Invocation) *runtimeapi.Answer {
	hold := action.Checkpoint
	update := clients.CheckpointUpdate{ID: hold.UpdateID, Type: hold.UpdateType, SubType: hold.UpdateSubType, Action: hold.UpdateAction, Name: hold.UpdateName}
	update.WaitOptions.WaitSeconds = hold.WaitSeconds
	err := func() error {
		client, err := g.durable()
		if err != nil {
			return err
		}
		if deadline, known := event.Deadline(); known {
			budget := deferral.StoreBudget(deadline.UnixMilli(), g.clock())
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Duration(max(budget, 0)*float64(time.Second)))
			defer cancel()
		}
		return client.Checkpoint(ctx, hold.DurableExecutionArn, hold.CheckpointToken, hold.ClientToken, []clients.CheckpointUpdate{update})
	}()
	if err != nil {
		code, message := "", err.Error()
		var named interface {
			ErrorCode() string
			ErrorMessage() string
		}
		if errors.As(err, &named) {
			code, message = named.ErrorCode(), named.ErrorMessage()
		} else {
			code = "CheckpointError"
		}
		reply, fields := action.DurableFailure(invocation, callers.Describe(code, message))
		g.log.Log("INFO", "invocation refused", fields...)
		g.log.Metric("Rejections", 1, "", telemetry.F("FunctionName", invocation.FunctionName))
		return invocationError(invocation.RequestID, reply.ErrorType, reply.ErrorMessage)
	}
	g.refused(action, invocation)
	return &runtimeapi.Answer{Body: action.Body}
}
