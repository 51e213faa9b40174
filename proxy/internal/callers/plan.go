package callers

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/config"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/telemetry"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/window"
)

// ActionKind is what the proxy does with an event inside a window.
type ActionKind string

// The actions.
const (
	// Answer: post Body as the invocation's response; nothing is stored (a 503, S3 Batch's refusal).
	Answer ActionKind = "answer"
	// Refuse: post an invocation error (ErrorType, ErrorMessage); nothing is stored.
	Refuse ActionKind = "refuse"
	// Hold: an ordered source's batch fails (ErrorType, ErrorMessage) so the source keeps
	// it in order and retries it; nothing is stored.
	Hold ActionKind = "hold"
	// Store: keep the event durably, then post StoredReply's answer. A failed store
	// fails the invocation: the caller is never told "done" for work not kept.
	Store ActionKind = "store"
	// CustomResource: PUT ResponseBody to ResponseURL (CloudFormation waits for it), then
	// answer null; if the PUT fails, the invocation fails (CustomResourceFailure).
	CustomResource ActionKind = "custom-resource"
	// DurableHold: make Checkpoint (CheckpointDurableExecution), then post Body (PENDING);
	// if the checkpoint fails, post DurableFailure's error instead. Nothing is stored.
	DurableHold ActionKind = "durable-hold"
	// PassThrough: the runtime could not even decode this event (not UTF-8 JSON); the
	// gate never sees such an event, so it goes to the runtime, which fails it as it
	// always would (awslambdaric: Runtime.UnmarshalError).
	PassThrough ActionKind = "pass-through"
)

// Invocation is what Plan needs to know of an invocation beyond its event.
type Invocation struct {
	RequestID    string
	FunctionName string // AWS_LAMBDA_FUNCTION_NAME
	LogStream    string // AWS_LAMBDA_LOG_STREAM_NAME: a refused Create's PhysicalResourceId
	ReplayOf     string // deferral.ReplayedRequestID of the client context; "" when not a replay
}

// Action is Plan's answer: what to do with one event inside a window.
type Action struct {
	Kind   ActionKind
	Caller Caller
	// Body is the response JSON for Answer.
	Body []byte
	// ErrorType and ErrorMessage for Refuse and Hold.
	ErrorType    string
	ErrorMessage string
	// Checkpoint for DurableHold.
	Checkpoint *DurableCheckpoint
	// ResponseURL and ResponseBody for CustomResource.
	ResponseURL  string
	ResponseBody []byte
	// LogAnswer and LogFields are the "invocation refused" line's answer and extra
	// fields (retry_after), for Answer, Refuse, Hold and CustomResource; no line is
	// written when LogAnswer is "" (a custom resource whose ResponseURL is refused).
	LogAnswer string
	LogFields []telemetry.Field

	event    pyjson.Value
	decision window.Decision
	onDefer  config.OnDefer
	replay   bool
}

// Reply is the answer after a Store: a response Body, or an invocation error.
type Reply struct {
	Body         []byte
	ErrorType    string
	ErrorMessage string
}

const orderedOutcome = "nothing stored; the source keeps the batch and retries it in order"

// CustomResourceFailure is the error when the FAILED response could not be delivered.
func CustomResourceFailure(detail string) Reply {
	return Reply{ErrorType: CustomResourceResponseError, ErrorMessage: "FAILED response not delivered to ResponseURL: " + detail}
}

// Plan is Deferrer.answer's choice for one event inside a window, made without I/O:
// a replay is stored; a durable execution waits in the durable service; HTTP is rejected (or stored, GATE_ON_HTTP=accept); callers that
// act on the answer are refused; ordered sources are held (or stored,
// GATE_ON_ORDERED=defer); everything else is stored.
func Plan(event []byte, inv Invocation, decision window.Decision, cfg config.Config, now time.Time) Action {
	if !utf8.Valid(event) {
		return Action{Kind: PassThrough, Caller: Unknown}
	}
	value, err := pyjson.DecodeBytes(event)
	if err != nil {
		return Action{Kind: PassThrough, Caller: Unknown}
	}
	caller := Classify(value)
	action := Action{Caller: caller, event: value, decision: decision, onDefer: cfg.OnDefer}
	switch {
	case inv.ReplayOf != "":
		action.Kind, action.replay = Store, true
	case caller.Kind == Durable:
		// Never stored, whatever GATE_ON_ORDERED says: its checkpoint token is spent once the
		// invocation ends, so a replay could not resume the execution.
		retry, known := decision.RetryAfterSeconds(window.Timestamp(now))
		planDurable(&action, value.(*pyjson.Object), inv, retry, known)
	case caller.Kind == HTTP && cfg.OnHTTP == config.OnHTTPReject:
		retry, known := decision.RetryAfterSeconds(window.Timestamp(now))
		action.Kind = Answer
		action.Body = []byte(pyjson.Dumps(RejectedResponse(value, caller, retry, known), pyjson.Default))
		action.LogAnswer = "rejected with 503"
		action.LogFields = []telemetry.Field{telemetry.F("retry_after", retryValue(retry, known))}
	case caller.Kind == Immediate || (caller.Kind == Ordered && cfg.OnOrdered == config.OnOrderedHold):
		refuse(&action, value, inv, decision, caller)
	default:
		action.Kind = Store
	}
	return action
}

func refuse(action *Action, event pyjson.Value, inv Invocation, decision window.Decision, caller Caller) {
	outcome := "nothing stored"
	if caller.Kind == Ordered {
		outcome = orderedOutcome
	}
	reason := WindowRefusal(inv.FunctionName, decision.WindowOrReason(), decision.Until, caller.Source, outcome)
	object, _ := event.(*pyjson.Object)
	switch caller.Source {
	case "s3-batch":
		action.Kind = Answer
		action.Body = []byte(pyjson.Dumps(S3BatchRefusal(object, reason), pyjson.Default))
		action.LogAnswer = "every task answered TemporaryFailure"
		return
	case "cloudformation-custom-resource":
		responseURL, present := object.Get("ResponseURL")
		if !present {
			responseURL = ""
		}
		target := pyStr(responseURL)
		if err := checkResponseURL(target); err != "" {
			action.Kind = Refuse
			// Python raises before it logs a refusal: no "invocation refused" line.
			action.ErrorType, action.ErrorMessage = CustomResourceResponseError, err
			return
		}
		action.Kind = CustomResource
		action.ResponseURL = target
		action.ResponseBody = []byte(pyjson.Dumps(customResourceBody(object, reason, inv.LogStream), pyjson.Default))
		action.LogAnswer = "FAILED sent to ResponseURL"
		return
	}
	action.Kind = Refuse
	if caller.Kind == Ordered {
		action.Kind = Hold
	}
	action.ErrorType, action.ErrorMessage = MaintenanceWindowError, reason
	action.LogAnswer = "invocation failed"
}

// StoredReply is what Deferrer.defer answers once the event is kept: the deferred
// answer (202 for an HTTP caller), or EventDeferredError with GATE_ON_DEFER=error,
// except for an accepted HTTP request, which is told 202 whatever that says.
func (a Action) StoredReply(requestID string, nowEpoch float64) Reply {
	acceptedHTTP := a.Caller.Kind == HTTP && !a.replay
	if a.onDefer == config.OnDeferError && !acceptedHTTP {
		return Reply{ErrorType: EventDeferredError, ErrorMessage: "invocation " + requestID + " deferred: " + a.decision.Reason}
	}
	retry, known := a.decision.RetryAfterSeconds(nowEpoch)
	return Reply{Body: []byte(pyjson.Dumps(DeferredResponse(a.event, a.Caller, requestID, retry, known), pyjson.Default))}
}

// Event is the decoded event, as the store encodes it.
func (a Action) Event() pyjson.Value { return a.event }

// LogCaller is the "caller" field of the "invocation deferred" line: "replay" for a replay.
func (a Action) LogCaller() string {
	if a.replay {
		return "replay"
	}
	return a.Caller.Source
}

// RefusalFields are the fields of the "invocation refused" line, in refusals.py's order.
func (a Action) RefusalFields(inv Invocation) []telemetry.Field {
	fields := []telemetry.Field{
		telemetry.F("request_id", inv.RequestID),
		telemetry.F("function", inv.FunctionName),
		telemetry.F("caller", a.Caller.Source),
		telemetry.F("kind", string(a.Caller.Kind)),
		telemetry.F("answer", a.LogAnswer),
		telemetry.F("reason", a.decision.Reason),
	}
	return append(fields, a.LogFields...)
}

// DeferredFields are the fields of the "invocation deferred" line, in deferrer.py's
// order, once the store answered outcome; storedBytes is the body's size as stored.
func (a Action) DeferredFields(inv Invocation, outcome string, eventBytes, storedBytes int) []telemetry.Field {
	var replayOf any
	if a.replay {
		replayOf = inv.ReplayOf
	}
	return []telemetry.Field{
		telemetry.F("request_id", inv.RequestID),
		telemetry.F("function", inv.FunctionName),
		telemetry.F("outcome", outcome),
		telemetry.F("replay_of", replayOf),
		telemetry.F("event_bytes", eventBytes),
		telemetry.F("stored_bytes", storedBytes),
		telemetry.F("reason", a.decision.Reason),
		telemetry.F("caller", a.LogCaller()),
	}
}

// Decision is the decision the action was planned under.
func (a Action) Decision() window.Decision { return a.decision }

var loopbackHosts = map[string]bool{"127.0.0.1": true, "localhost": true, "::1": true}

// checkResponseURL is custom_resource.send_failed's check: https, or http to this host
// (the tests' stand-in); the message when it fails.
func checkResponseURL(target string) string {
	parts, err := url.Parse(target)
	scheme := ""
	if err == nil {
		scheme = parts.Scheme
		if scheme == "https" || (scheme == "http" && loopbackHosts[strings.ToLower(parts.Hostname())]) {
			return ""
		}
	}
	return "ResponseURL scheme " + pyjson.StringRepr(scheme) + " is not https; no response sent"
}

// customResourceBody is the cfn-response body send_failed PUTs.
func customResourceBody(event *pyjson.Object, reason, logStream string) *pyjson.Object {
	physical, _ := event.Get("PhysicalResourceId")
	if !pyjson.Truthy(physical) {
		physical = logStream
		if logStream == "" {
			physical = "maintenance-gate-refused"
		}
	}
	get := func(key string) pyjson.Value {
		value, _ := event.Get(key)
		return value
	}
	return pyjson.NewObject().
		Set("Status", "FAILED").
		Set("Reason", pyjson.Slice(reason, 4000)).
		Set("PhysicalResourceId", physical).
		Set("StackId", get("StackId")).
		Set("RequestId", get("RequestId")).
		Set("LogicalResourceId", get("LogicalResourceId"))
}

// CustomResourceTimeout is how long the PUT may take: at most 5 s, and half a second
// short of the invocation's deadline (60 s assumed when it is not known).
func CustomResourceTimeout(remaining time.Duration, known bool) time.Duration {
	seconds := 60.0
	if known {
		seconds = remaining.Seconds()
	}
	return time.Duration(min(5.0, max(0.5, seconds-0.5)) * float64(time.Second))
}
