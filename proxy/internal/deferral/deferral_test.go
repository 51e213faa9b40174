package deferral_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/deferral"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/telemetry"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/vectors"
)

type recordVectors struct {
	Records []struct {
		Name             string       `json:"name"`
		Event            string       `json:"event"`
		RequestID        string       `json:"request_id"`
		ClientContext    *string      `json:"client_context"`
		CognitoIdentity  *string      `json:"cognito_identity"`
		TenantID         *string      `json:"tenant_id"`
		InlineLimitBytes int          `json:"inline_limit_bytes"`
		DeferredAtMs     int64        `json:"deferred_at_ms"`
		Window           string       `json:"window"`
		EventJSON        string       `json:"event_json"`
		Digest           string       `json:"digest"`
		Encoding         string       `json:"encoding"`
		Size             int          `json:"size"`
		Item             vectors.Item `json:"item"`
		OverflowObject   []string     `json:"overflow_object"`
		StoredText       *string      `json:"stored_text"`
	} `json:"records"`
	Markers []struct {
		ClientContext     *string `json:"client_context"`
		ReplayedRequestID *string `json:"replayed_request_id"`
	} `json:"markers"`
	Requeue []struct {
		Name              string       `json:"name"`
		OriginalRequestID string       `json:"original_request_id"`
		Record            vectors.Item `json:"record"`
		RequestID         string       `json:"request_id"`
		DeferredAtMs      int64        `json:"deferred_at_ms"`
		Digest            string       `json:"digest"`
		TenantID          *string      `json:"tenant_id"`
		Accepted          bool         `json:"accepted"`
	} `json:"requeue"`
}

func load(t *testing.T) recordVectors {
	var v recordVectors
	vectors.Load(t, "records.json", &v)
	if len(v.Records) == 0 || len(v.Markers) == 0 || len(v.Requeue) == 0 {
		t.Fatal("records.json holds no vectors")
	}
	return v
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

const functionName, functionARN = "orders", "arn:aws:lambda:eu-west-1:123456789012:function:orders:live"

func TestStoresTheRecordPythonStoresAttributeForAttribute(t *testing.T) {
	for _, r := range load(t).Records {
		encoded, err := deferral.Encode([]byte(r.Event))
		if err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		text, err := deferral.DecodeBody(encoded.Body, encoded.Encoding)
		if err != nil {
			t.Fatal(err)
		}
		if string(text) != r.EventJSON || encoded.Digest != r.Digest || encoded.Encoding != r.Encoding || encoded.Size != r.Size {
			t.Errorf("%s: encoded %s %d %s\n%s\nPython %s %d %s\n%s", r.Name, encoded.Encoding, encoded.Size, encoded.Digest, text,
				r.Encoding, r.Size, r.Digest, r.EventJSON)
		}
		d := deferral.Deferral{
			RequestID:     r.RequestID,
			FunctionName:  functionName,
			FunctionARN:   functionARN,
			DeferredAtMs:  r.DeferredAtMs,
			Event:         encoded,
			Window:        r.Window,
			ClientContext: deferral.StoredClientContext(deref(r.ClientContext)),
			Identity:      deferral.StoredIdentity(deref(r.CognitoIdentity)),
			TenantID:      deref(r.TenantID),
		}
		got := vectors.ItemOf(t, deferral.Item(d, r.InlineLimitBytes))
		want := r.Item
		if r.Encoding == deferral.Compressed {
			// zlib's bytes differ between Go and CPython; what both must hold is the same
			// text, and each must read the other's stream.
			gotEvent, inGo := got[deferral.EventField]
			wantEvent, inPython := want[deferral.EventField]
			if inGo != inPython {
				t.Errorf("%s: event inline in Go %v, in Python %v", r.Name, inGo, inPython)
			}
			if inGo && inPython {
				for who, event := range map[string]map[string]string{"Go": gotEvent, "Python": wantEvent} {
					raw := vectors.AttributeValues(t, vectors.Item{"e": event})["e"].(*types.AttributeValueMemberB).Value
					stored, err := deferral.DecodeBody(raw, deferral.Compressed)
					if err != nil || string(stored) != r.EventJSON || deref(r.StoredText) != r.EventJSON {
						t.Errorf("%s: %s's compressed event does not read back as the event's text (%v)", r.Name, who, err)
					}
				}
				delete(got, deferral.EventField)
				delete(want, deferral.EventField)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got  %v\n want %v", r.Name, got, want)
		}
		var overflow []string
		if deferral.Overflows(d, r.InlineLimitBytes) {
			overflow = append(overflow, deferral.OverflowKey(functionName, r.RequestID))
		}
		if strings.Join(overflow, ",") != strings.Join(r.OverflowObject, ",") {
			t.Errorf("%s: overflow %v, Python %v", r.Name, overflow, r.OverflowObject)
		}
	}
}

func TestReadsTheReplayMarkerAsPythonDoes(t *testing.T) {
	for _, m := range load(t).Markers {
		if got := deferral.ReplayedRequestID(deref(m.ClientContext)); got != deref(m.ReplayedRequestID) {
			t.Errorf("%s: %q, Python %q", deref(m.ClientContext), got, deref(m.ReplayedRequestID))
		}
	}
}

func TestAcceptsAReplayMarkerExactlyWhenPythonsConditionalUpdateDoes(t *testing.T) {
	for _, c := range load(t).Requeue {
		d := deferral.Deferral{
			RequestID:    c.RequestID,
			FunctionName: functionName,
			FunctionARN:  functionARN,
			DeferredAtMs: c.DeferredAtMs,
			Event:        deferral.EncodedEvent{Digest: c.Digest},
			TenantID:     deref(c.TenantID),
		}
		record := vectors.AttributeValues(t, c.Record)
		if len(c.Record) == 0 {
			record = nil
		}
		if got := deferral.MarkerAccepted(record, d); got != c.Accepted {
			t.Errorf("%s: accepted %v, Python's store %v", c.Name, got, c.Accepted)
		}
		update := deferral.RequeueUpdate(c.OriginalRequestID, d)
		if vectors.ItemOf(t, update.Key)[deferral.Key]["S"] != c.OriginalRequestID {
			t.Errorf("%s: the update names another record", c.Name)
		}
	}
}

func TestEveryExpressionNameAndValueIsUsed(t *testing.T) {
	// DynamoDB refuses an update that supplies a name or value its expressions do not use.
	for _, tenant := range []string{"", "tenant-a"} {
		update := deferral.RequeueUpdate("original", deferral.Deferral{FunctionName: "f", TenantID: tenant})
		expressions := update.UpdateExpression + " " + update.ConditionExpression
		for name := range update.ExpressionAttributeNames {
			if !strings.Contains(expressions, name) {
				t.Errorf("tenant %q: name %s unused", tenant, name)
			}
		}
		for value := range update.ExpressionAttributeValues {
			if !strings.Contains(expressions, value) {
				t.Errorf("tenant %q: value %s unused", tenant, value)
			}
		}
	}
}

func TestShardsAndOrderAsPythonDoes(t *testing.T) {
	// table.shard_of is crc32 of the id mod 32; the records' queue values above pin it for
	// many ids, these pin the formats.
	if got := deferral.OrderValue(1796164200250, "r-1"); got != "001796164200250#r-1" {
		t.Errorf("order %s", got)
	}
	if got := deferral.QueueValue("orders", deferral.Pending, "r-1"); !strings.HasPrefix(got, "orders#pending#") || len(got) != len("orders#pending#00") {
		t.Errorf("queue %s", got)
	}
}

func TestAStoreThatCannotBeginInsideTheDeadlineFailsAsPythonsDoes(t *testing.T) {
	var v struct {
		Now       float64 `json:"now"`
		Deadlines []struct {
			RequestID  string `json:"request_id"`
			DeadlineMs int64  `json:"deadline_ms"`
			Answer     struct {
				Error *struct {
					ErrorType    string `json:"errorType"`
					ErrorMessage string `json:"errorMessage"`
				} `json:"error"`
				Stored bool     `json:"stored"`
				Lines  []string `json:"lines"`
			} `json:"answer"`
		} `json:"deadlines"`
	}
	vectors.Load(t, "records.json", &v)
	var callers struct {
		Now float64 `json:"now"`
	}
	vectors.Load(t, "callers.json", &callers)
	if len(v.Deadlines) == 0 {
		t.Fatal("no deadline vectors")
	}
	now := time.UnixMicro(int64(callers.Now * 1e6))
	for _, c := range v.Deadlines {
		budget := deferral.StoreBudget(c.DeadlineMs, now)
		if budget > 0 {
			if !c.Answer.Stored || c.Answer.Error != nil {
				t.Errorf("%s: Go would store with %.3f s left; Python did not", c.RequestID, budget)
			}
			continue
		}
		err := deferral.NoTimeLeftError(c.RequestID, budget)
		var storeError *deferral.TimeoutError
		if !errors.As(err, &storeError) || c.Answer.Error == nil ||
			storeError.ErrorType() != c.Answer.Error.ErrorType || err.Error() != c.Answer.Error.ErrorMessage {
			t.Errorf("%s:\n got  %v\n want %+v", c.RequestID, err, c.Answer.Error)
		}
		lines := []string{
			telemetry.LogLine(callers.Now, "ERROR", telemetry.DeferralFailed,
				telemetry.F("request_id", c.RequestID), telemetry.F("error", err.Error())),
			telemetry.MetricLine(callers.Now, "INFO", telemetry.DeferralErrors, 1, "Count", telemetry.F("FunctionName", functionName)),
		}
		if !reflect.DeepEqual(lines, c.Answer.Lines) {
			t.Errorf("%s: lines\n got  %q\n want %q", c.RequestID, lines, c.Answer.Lines)
		}
	}
}
