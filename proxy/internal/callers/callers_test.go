package callers_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/callers"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/config"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/deferral"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/telemetry"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/vectors"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/window"
)

type decisionVector struct {
	Defer  bool    `json:"defer"`
	Reason string  `json:"reason"`
	Window *string `json:"window"`
	Until  *string `json:"until"`
}

type answerVector struct {
	Response *rawJSON `json:"response"`
	Error    *struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	} `json:"error"`
	Stored         bool         `json:"stored"`
	Item           vectors.Item `json:"item"`
	Requeued       string       `json:"requeued"`
	CustomResource *struct {
		URL     string  `json:"url"`
		Body    string  `json:"body"`
		Timeout float64 `json:"timeout"`
	} `json:"custom_resource_put"`
	Checkpoint any      `json:"checkpoint"`
	Lines      []string `json:"lines"`
}

type callerVectors struct {
	Now          float64 `json:"now"`
	FunctionName string  `json:"function_name"`
	FunctionARN  string  `json:"function_arn"`
	LogStream    string  `json:"log_stream"`
	DeadlineMs   int64   `json:"deadline_ms"`
	Settings     map[string]struct {
		Env      map[string]string `json:"env"`
		Decision decisionVector    `json:"decision"`
	} `json:"settings"`
	ReplayClientContext string `json:"replay_client_context"`
	DurableFailures     []struct {
		RequestID string       `json:"request_id"`
		Event     string       `json:"event"`
		Detail    string       `json:"detail"`
		Answer    answerVector `json:"answer"`
	} `json:"durable_failures"`
	Events []struct {
		Name      string                  `json:"name"`
		RequestID string                  `json:"request_id"`
		Event     string                  `json:"event"`
		Kind      string                  `json:"kind"`
		Source    string                  `json:"source"`
		Answers   map[string]answerVector `json:"answers"`
		Replays   map[string]answerVector `json:"replays"`
	} `json:"events"`
}

type rawJSON string

func (r *rawJSON) UnmarshalJSON(data []byte) error {
	*r = rawJSON(data)
	return nil
}

func load(t *testing.T) callerVectors {
	var v callerVectors
	vectors.Load(t, "callers.json", &v)
	if len(v.Events) == 0 || len(v.Settings) == 0 {
		t.Fatal("callers.json holds no vectors")
	}
	return v
}

func TestClassifiesEverySampleEventAsPythonDoes(t *testing.T) {
	for _, e := range load(t).Events {
		value, err := pyjson.Decode(e.Event)
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		got := callers.Classify(value)
		if string(got.Kind) != e.Kind || got.Source != e.Source {
			t.Errorf("%s: %s/%s, Python %s/%s", e.Name, got.Kind, got.Source, e.Kind, e.Source)
		}
	}
}

func decisionOf(t *testing.T, v decisionVector) window.Decision {
	d := window.Decision{Defer: v.Defer, Reason: v.Reason}
	if v.Window != nil {
		d.Window = *v.Window
	}
	if v.Until != nil {
		until, err := time.Parse(time.RFC3339Nano, *v.Until)
		if err != nil {
			t.Fatal(err)
		}
		d.Until = until
	}
	return d
}

// outcome is what the proxy does with Plan's action, without I/O: the answer, the
// item it would store and the lines it would write.
type outcome struct {
	response   string // canonical JSON, "" for none
	errType    string
	errMsg     string
	stored     bool
	item       vectors.Item
	requeued   string
	put        *deferralPut
	checkpoint string // canonical JSON of the CheckpointDurableExecution request
	lines      []string
	// compressed: the event was stored compressed, so the lines' stored_bytes differ by zlib library.
	compressed bool
}

type deferralPut struct {
	url, body string
	timeout   float64
}

func run(t *testing.T, v callerVectors, event string, inv callers.Invocation, cfg config.Config, decision window.Decision) outcome {
	now := time.UnixMicro(int64(v.Now * 1e6))
	action := callers.Plan([]byte(event), inv, decision, cfg, now)
	var out outcome
	refusal := func(extra ...telemetry.Field) {
		if action.LogAnswer == "" {
			return
		}
		fields := append(action.RefusalFields(inv), extra...)
		out.lines = append(out.lines,
			telemetry.LogLine(v.Now, "INFO", telemetry.Refused, fields...),
			telemetry.MetricLine(v.Now, "INFO", telemetry.Rejections, 1, "Count", telemetry.F("FunctionName", inv.FunctionName)))
	}
	switch action.Kind {
	case callers.Answer:
		out.response = vectors.Canonical(t, string(action.Body))
		refusal()
	case callers.Refuse, callers.Hold:
		out.errType, out.errMsg = action.ErrorType, action.ErrorMessage
		refusal()
	case callers.CustomResource:
		remaining := time.Duration(v.DeadlineMs-now.UnixMilli()) * time.Millisecond
		out.put = &deferralPut{action.ResponseURL, string(action.ResponseBody), callers.CustomResourceTimeout(remaining, true).Seconds()}
		// The handler returns None once the PUT is made: the response is null.
		refusal(telemetry.F("response_status", 200))
	case callers.DurableHold:
		out.checkpoint = checkpointJSON(t, action.Checkpoint)
		out.response = vectors.Canonical(t, string(action.Body))
		refusal()
	case callers.Store:
		encoded, err := deferral.EncodeValue(action.Event())
		if err != nil {
			t.Fatal(err)
		}
		d := deferral.Deferral{
			RequestID:    inv.RequestID,
			FunctionName: inv.FunctionName,
			FunctionARN:  v.FunctionARN,
			DeferredAtMs: int64(v.Now * 1000),
			Event:        encoded,
			Window:       decision.WindowOrReason(),
		}
		result := deferral.Stored
		if inv.ReplayOf != "" {
			result = deferral.Requeued
			out.requeued = vectors.ItemOf(t, deferral.RequeueUpdate(inv.ReplayOf, d).Key)[deferral.Key]["S"]
		} else {
			out.item = vectors.ItemOf(t, deferral.Item(d, cfg.InlineLimitBytes))
		}
		out.stored = true
		reply := action.StoredReply(inv.RequestID, v.Now)
		if reply.Body != nil {
			out.response = vectors.Canonical(t, string(reply.Body))
		}
		out.errType, out.errMsg = reply.ErrorType, reply.ErrorMessage
		out.lines = append(out.lines,
			telemetry.LogLine(v.Now, "INFO", telemetry.Deferred, action.DeferredFields(inv, result, encoded.Size, len(encoded.Body))...),
			telemetry.MetricLine(v.Now, "INFO", telemetry.Deferrals, 1, "Count", telemetry.F("FunctionName", inv.FunctionName)))
		if encoded.Encoding == deferral.Compressed {
			// zlib's bytes differ between Go and CPython; the text inside is compared instead.
			out.lines = withoutStoredBytes(t, out.lines)
			out.compressed = true
		}
	default:
		t.Fatalf("unexpected action %s", action.Kind)
	}
	return out
}

func compare(t *testing.T, name string, got outcome, want answerVector) {
	t.Helper()
	wantResponse := ""
	if want.Response != nil {
		wantResponse = vectors.Canonical(t, string(*want.Response))
	}
	if got.response != wantResponse {
		t.Errorf("%s: response\n got  %s\n want %s", name, got.response, wantResponse)
	}
	wantType, wantMsg := "", ""
	if want.Error != nil {
		wantType, wantMsg = want.Error.ErrorType, want.Error.ErrorMessage
	}
	if got.errType != wantType || got.errMsg != wantMsg {
		t.Errorf("%s: error\n got  %s: %s\n want %s: %s", name, got.errType, got.errMsg, wantType, wantMsg)
	}
	if got.stored != want.Stored {
		t.Errorf("%s: stored %v, Python %v", name, got.stored, want.Stored)
	}
	if want.Item != nil && !itemsEqual(t, got.item, want.Item) {
		t.Errorf("%s: item\n got  %v\n want %v", name, got.item, want.Item)
	}
	if got.requeued != want.Requeued {
		t.Errorf("%s: requeued %q, Python %q", name, got.requeued, want.Requeued)
	}
	if (got.put == nil) != (want.CustomResource == nil) {
		t.Errorf("%s: custom resource PUT %v, Python %v", name, got.put, want.CustomResource)
	} else if got.put != nil {
		if got.put.url != want.CustomResource.URL || got.put.body != want.CustomResource.Body || got.put.timeout != want.CustomResource.Timeout {
			t.Errorf("%s: PUT\n got  %+v\n want %+v", name, *got.put, *want.CustomResource)
		}
	}
	wantCheckpoint := ""
	if want.Checkpoint != nil {
		wantCheckpoint = vectors.CanonicalValue(t, want.Checkpoint)
	}
	if got.checkpoint != wantCheckpoint {
		t.Errorf("%s: checkpoint\n got  %s\n want %s", name, got.checkpoint, wantCheckpoint)
	}
	wantLines := want.Lines
	if got.compressed {
		wantLines = withoutStoredBytes(t, wantLines)
	}
	if strings.Join(got.lines, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("%s: lines\n got  %q\n want %q", name, got.lines, wantLines)
	}
}

func withoutStoredBytes(t *testing.T, lines []string) []string {
	out := make([]string, len(lines))
	for i, line := range lines {
		value, err := pyjson.Decode(line)
		if err != nil {
			t.Fatal(err)
		}
		if object, ok := value.(*pyjson.Object); ok {
			object.Delete("stored_bytes")
		}
		out[i] = pyjson.Dumps(value, pyjson.Compact)
	}
	return out
}

// itemsEqual compares items attribute by attribute; a compressed event by its text.
func itemsEqual(t *testing.T, got, want vectors.Item) bool {
	if want[deferral.EventEncoding]["S"] == deferral.Compressed {
		got, want = decompressed(t, got), decompressed(t, want)
	}
	return reflect.DeepEqual(got, want)
}

func decompressed(t *testing.T, item vectors.Item) vectors.Item {
	out := vectors.Item{}
	for k, v := range item {
		out[k] = v
	}
	if event, ok := item[deferral.EventField]; ok {
		raw := vectors.AttributeValues(t, vectors.Item{"e": event})["e"]
		text, err := deferral.DecodeBody(bytesOf(raw), deferral.Compressed)
		if err != nil {
			t.Fatal(err)
		}
		out[deferral.EventField] = map[string]string{"text": string(text)}
	}
	return out
}

func TestAnswersEveryCallerAsPythonDoesUnderEachSetting(t *testing.T) {
	v := load(t)
	checked := 0
	for _, e := range v.Events {
		for label, want := range e.Answers {
			setting, ok := v.Settings[label]
			if !ok {
				t.Fatalf("setting %s missing", label)
			}
			cfg, err := config.FromEnv(setting.Env)
			if err != nil {
				t.Fatal(err)
			}
			inv := callers.Invocation{RequestID: e.RequestID, FunctionName: v.FunctionName, LogStream: v.LogStream}
			got := run(t, v, e.Event, inv, cfg, decisionOf(t, setting.Decision))
			compare(t, fmt.Sprintf("%s [%s]", e.Name, label), got, want)
			checked++
		}
	}
	if checked < 100 {
		t.Fatalf("only %d answers checked", checked)
	}
}

func TestAReplayIsPutBackInItsRecordWhateverItsCaller(t *testing.T) {
	v := load(t)
	replayOf := deferral.ReplayedRequestID(v.ReplayClientContext)
	if replayOf == "" {
		t.Fatal("the replay's client context carries no marker")
	}
	checked := 0
	for _, e := range v.Events {
		for label, want := range e.Replays {
			setting := v.Settings[label]
			cfg, err := config.FromEnv(setting.Env)
			if err != nil {
				t.Fatal(err)
			}
			inv := callers.Invocation{RequestID: e.RequestID, FunctionName: v.FunctionName, LogStream: v.LogStream, ReplayOf: replayOf}
			got := run(t, v, e.Event, inv, cfg, decisionOf(t, setting.Decision))
			compare(t, fmt.Sprintf("%s [replay, %s]", e.Name, label), got, want)
			checked++
		}
	}
	if checked < 2*len(v.Events) {
		t.Fatalf("only %d replays checked", checked)
	}
}

func TestAnEventTheRuntimeCannotDecodeGoesToTheRuntime(t *testing.T) {
	cfg, err := config.FromEnv(map[string]string{"GATE_PARAMETER_NAME": "/p", "GATE_TABLE_NAME": "t"})
	if err != nil {
		t.Fatal(err)
	}
	decision := window.Decision{Defer: true, Reason: "mode is maintenance"}
	for _, event := range []string{`{"a": `, "\xff\xfe{}", `{"a": 1} trailing`} {
		action := callers.Plan([]byte(event), callers.Invocation{RequestID: "r"}, decision, cfg, time.Unix(0, 0))
		if action.Kind != callers.PassThrough {
			t.Errorf("%q: %s", event, action.Kind)
		}
	}
}

func checkpointJSON(t *testing.T, c *callers.DurableCheckpoint) string {
	return vectors.CanonicalValue(t, map[string]any{
		"DurableExecutionArn": c.DurableExecutionArn,
		"CheckpointToken":     c.CheckpointToken,
		"ClientToken":         c.ClientToken,
		"Updates": []any{map[string]any{
			"Id":          c.UpdateID,
			"Type":        c.UpdateType,
			"SubType":     c.UpdateSubType,
			"Action":      c.UpdateAction,
			"Name":        c.UpdateName,
			"WaitOptions": map[string]any{"WaitSeconds": c.WaitSeconds},
		}},
	})
}

func TestADurableHoldWhoseCheckpointFailsFailsTheInvocationAsPythonDoes(t *testing.T) {
	v := load(t)
	if len(v.DurableFailures) == 0 {
		t.Fatal("no durable failure vectors")
	}
	setting := v.Settings["defaults"]
	cfg, err := config.FromEnv(setting.Env)
	if err != nil {
		t.Fatal(err)
	}
	now := time.UnixMicro(int64(v.Now * 1e6))
	for _, c := range v.DurableFailures {
		inv := callers.Invocation{RequestID: c.RequestID, FunctionName: v.FunctionName, LogStream: v.LogStream}
		action := callers.Plan([]byte(c.Event), inv, decisionOf(t, setting.Decision), cfg, now)
		if action.Kind != callers.DurableHold {
			t.Fatalf("%s: %s", c.RequestID, action.Kind)
		}
		reply, fields := action.DurableFailure(inv, c.Detail)
		got := outcome{
			errType:    reply.ErrorType,
			errMsg:     reply.ErrorMessage,
			checkpoint: checkpointJSON(t, action.Checkpoint),
			lines: []string{
				telemetry.LogLine(v.Now, "INFO", telemetry.Refused, fields...),
				telemetry.MetricLine(v.Now, "INFO", telemetry.Rejections, 1, "Count", telemetry.F("FunctionName", inv.FunctionName)),
			},
		}
		compare(t, c.RequestID, got, c.Answer)
	}
}

func TestDescribeCutsAtThreeHundredCharacters(t *testing.T) {
	if got := callers.Describe("Throttling", "slow down"); got != "Throttling: slow down" {
		t.Errorf("got %q", got)
	}
	long := callers.Describe("E", strings.Repeat("é", 400))
	if pyjson.Len(long) != 303 || !strings.HasSuffix(long, "...") {
		t.Errorf("got %d characters", pyjson.Len(long))
	}
}
