// Package callers is who invoked the function, told by the event's shape, and what
// that caller must hear inside a window: gate/callers/kinds.py, responses.py and
// refusals.py, and the deferrer's choice between them (gate/deferral/deferrer.py),
// behind one entry point, Plan.
package callers

import (
	"strings"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
)

// Kind is kinds.CallerKind.
type Kind string

// The kinds of caller.
const (
	// HTTP answers an HTTP client: API Gateway REST, HTTP and WebSocket APIs, function URLs, ALB.
	HTTP Kind = "http"
	// Immediate acts on the answer at once (authorizers, bots): it must never see a fake success.
	Immediate Kind = "immediate"
	// Ordered keeps records in order per shard or message group, and retries a failed batch.
	Ordered Kind = "ordered"
	// Durable is the Lambda durable execution service: the execution waits out the window; nothing is stored.
	Durable Kind = "durable"
	// Stored is everything else: the event is kept for replay and the invocation answered.
	Stored Kind = "stored"
)

// Caller is kinds.Caller: a kind, and a short source name for logs and messages.
type Caller struct {
	Kind   Kind
	Source string
}

// Unknown is the caller of an event of no known shape: it is kept.
var Unknown = Caller{Stored, "unknown"}

// ALBSource is answered in the header mode it asked in.
const ALBSource = "alb"

var immediateTopLevelKeys = [][2]string{
	{"labelingJobArn", "sagemaker-ground-truth"},
	{"applicationArn", "kinesis-analytics"},
	{"deliveryStreamArn", "firehose"},
	{"deliverySteamArn", "firehose"}, // sic: SAM's Kinesis-as-source sample spells it so
	{"datasetRecords", "cognito-sync"},
}

var orderedSources = map[string]string{
	"aws:kinesis":      "kinesis",
	"aws:dynamodb":     "dynamodb-streams",
	"aws:kafka":        "msk",
	"SelfManagedKafka": "kafka",
}

// unhashable is Python's TypeError from "value in dict" for a list or dict value,
// which classify turns into an unknown caller.
type unhashable struct{}

// Classify is kinds.classify: it reads a few top-level keys and never fails.
func Classify(event pyjson.Value) (caller Caller) {
	defer func() {
		if recover() != nil {
			caller = Unknown
		}
	}()
	switch v := event.(type) {
	case *pyjson.Object:
		return classifyObject(v)
	case []pyjson.Value:
		if len(v) > 0 {
			if first, ok := v[0].(*pyjson.Object); ok && isAppSync(first) {
				return Caller{Immediate, "appsync-batch"}
			}
		}
	}
	return Unknown
}

// orderedSource is "value in _ORDERED_SOURCES" and the name it maps to.
func orderedSource(value pyjson.Value) (string, bool) {
	switch v := value.(type) {
	case []pyjson.Value, *pyjson.Object:
		panic(unhashable{})
	case string:
		name, ok := orderedSources[v]
		return name, ok
	}
	return "", false
}

func classifyObject(event *pyjson.Object) Caller {
	if isDurableInvocation(event) {
		return Caller{Durable, "durable"}
	}
	if kind, _ := event.Get("type"); (kind == "TOKEN" || kind == "REQUEST") && (event.Has("methodArn") || event.Has("routeArn")) {
		return Caller{Immediate, "apigateway-authorizer"}
	}
	if value, _ := event.Get("requestContext"); value != nil {
		if context, ok := value.(*pyjson.Object); ok {
			if source := httpSource(event, context); source != "" {
				return Caller{HTTP, source}
			}
		}
	}
	if value, _ := event.Get("Records"); value != nil {
		if records, ok := value.([]pyjson.Value); ok && len(records) > 0 {
			if first, ok := records[0].(*pyjson.Object); ok {
				return classifyRecord(first)
			}
		}
	}
	source, _ := event.Get("eventSource")
	if name, ok := orderedSource(source); ok {
		return Caller{Ordered, name}
	}
	if caller, ok := classifyImmediate(event); ok {
		return caller
	}
	return Unknown
}

func httpSource(event, context *pyjson.Object) string {
	if context.Has("elb") {
		return ALBSource
	}
	if value, _ := context.Get("http"); isObject(value) {
		domain, ok := context.Get("domainName")
		if !ok {
			domain = ""
		}
		if strings.Contains(pyStr(domain), ".lambda-url.") {
			return "function-url"
		}
		return "apigateway-http"
	}
	if event.Has("httpMethod") {
		return "apigateway-rest"
	}
	if context.Has("connectionId") && context.Has("routeKey") {
		return "apigateway-websocket"
	}
	return ""
}

func classifyRecord(record *pyjson.Object) Caller {
	source, _ := record.Get("eventSource")
	if !pyjson.Truthy(source) {
		source, _ = record.Get("EventSource")
	}
	if name, ok := orderedSource(source); ok {
		return Caller{Ordered, name}
	}
	if source == "aws:sqs" {
		arn, ok := record.Get("eventSourceARN")
		if !ok {
			arn = ""
		}
		attributes, _ := record.Get("attributes")
		object, isDict := attributes.(*pyjson.Object)
		if strings.HasSuffix(pyStr(arn), ".fifo") || (isDict && object.Has("MessageGroupId")) {
			return Caller{Ordered, "sqs-fifo"}
		}
		return Caller{Stored, "sqs"}
	}
	if record.Has("cf") {
		return Caller{Immediate, "cloudfront"}
	}
	if pyjson.Truthy(source) {
		return Caller{Stored, strings.TrimPrefix(pyStr(source), "aws:")}
	}
	return Unknown
}

func classifyImmediate(event *pyjson.Object) (Caller, bool) {
	switch {
	case event.Has("ResponseURL") && event.Has("RequestType") && event.Has("StackId"):
		return Caller{Immediate, "cloudformation-custom-resource"}, true
	case event.Has("triggerSource") && event.Has("userPoolId"):
		return Caller{Immediate, "cognito-user-pool"}, true
	}
	if bot, _ := event.Get("bot"); isObject(bot) && (event.Has("currentIntent") || event.Has("sessionState")) {
		if event.Has("sessionState") {
			return Caller{Immediate, "lex-v2"}, true
		}
		return Caller{Immediate, "lex"}, true
	}
	if request, _ := event.Get("request"); isObject(request) && (event.Has("session") || event.Has("context")) && event.Has("version") {
		return Caller{Immediate, "alexa-skill"}, true
	}
	if isAlexaSmartHome(event) {
		return Caller{Immediate, "alexa-smart-home"}, true
	}
	if isAppSync(event) {
		return Caller{Immediate, "appsync"}, true
	}
	if name, _ := event.Get("Name"); name == "ContactFlowEvent" {
		if details, _ := event.Get("Details"); isObject(details) {
			return Caller{Immediate, "connect"}, true
		}
	}
	if tasks, _ := event.Get("tasks"); event.Has("invocationSchemaVersion") && isList(tasks) {
		return Caller{Immediate, "s3-batch"}, true
	}
	for _, pair := range immediateTopLevelKeys {
		if event.Has(pair[0]) {
			return Caller{Immediate, pair[1]}, true
		}
	}
	return Caller{}, false
}

func isAppSync(event *pyjson.Object) bool {
	value, _ := event.Get("info")
	info, ok := value.(*pyjson.Object)
	return ok && info.Has("fieldName") && info.Has("parentTypeName")
}

func isAlexaSmartHome(event *pyjson.Object) bool {
	var header pyjson.Value
	if directive, _ := event.Get("directive"); isObject(directive) {
		header, _ = directive.(*pyjson.Object).Get("header")
	} else {
		header, _ = event.Get("header")
	}
	object, ok := header.(*pyjson.Object)
	if !ok {
		return false
	}
	namespace, present := object.Get("namespace")
	if !present {
		namespace = ""
	}
	return strings.HasPrefix(pyStr(namespace), "Alexa")
}

func isObject(value pyjson.Value) bool {
	_, ok := value.(*pyjson.Object)
	return ok
}

func isList(value pyjson.Value) bool {
	_, ok := value.([]pyjson.Value)
	return ok
}

// pyStr is Python's str(value) of a decoded JSON value.
func pyStr(value pyjson.Value) string {
	if text, ok := value.(string); ok {
		return text
	}
	return pyjson.Repr(value)
}
