package callers

import (
	"encoding/hex"

	"golang.org/x/crypto/blake2b"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/telemetry"
)

// Lambda durable functions inside a window (gate/callers/durable.py): the execution
// waits in the durable service. The proxy checkpoints one durable wait with the
// invocation's own token, lasting until the window ends (at most HoldMaxSeconds), and
// answers PENDING; nothing is stored, since the token is spent once the invocation ends.
const (
	HoldName       = "maintenance-gate"
	HoldMaxSeconds = 300
)

// DurableCheckpoint is the CheckpointDurableExecution request of a durable hold, field
// for field as checkpoint_hold sends it.
type DurableCheckpoint struct {
	DurableExecutionArn string
	CheckpointToken     string
	ClientToken         string // an idempotency token: a retried request is the same checkpoint
	UpdateID            string
	UpdateType          string // WAIT
	UpdateSubType       string // Wait
	UpdateAction        string // START
	UpdateName          string
	WaitSeconds         int64
}

// HoldSeconds is how long the execution waits: until the window's end if known, at most HoldMaxSeconds.
func HoldSeconds(retryAfter int64, known bool) int64 {
	if !known {
		return HoldMaxSeconds
	}
	return max(1, min(retryAfter, HoldMaxSeconds))
}

// HoldID is the wait's operation id: one per invocation, 64 hex digits like the SDKs'
// own ids, never one of theirs (BLAKE2b-512 of the name and the token).
func HoldID(checkpointToken string) string {
	sum := blake2b.Sum512([]byte(HoldName + ":" + checkpointToken))
	return hex.EncodeToString(sum[:])[:64]
}

func isDurableInvocation(event *pyjson.Object) bool {
	token, _ := event.Get("CheckpointToken")
	arn, _ := event.Get("DurableExecutionArn")
	state, _ := event.Get("InitialExecutionState")
	_, tokenIsText := token.(string)
	_, arnIsText := arn.(string)
	return tokenIsText && arnIsText && isObject(state)
}

// planDurable fills a DurableHold action: the checkpoint to make, PENDING to answer once it is made.
func planDurable(action *Action, event *pyjson.Object, inv Invocation, retryAfter int64, known bool) {
	arn, _ := event.Get("DurableExecutionArn")
	token, _ := event.Get("CheckpointToken")
	seconds := HoldSeconds(retryAfter, known)
	action.Kind = DurableHold
	action.Checkpoint = &DurableCheckpoint{
		DurableExecutionArn: arn.(string),
		CheckpointToken:     token.(string),
		ClientToken:         pyjson.Slice(inv.RequestID, 64),
		UpdateID:            HoldID(token.(string)),
		UpdateType:          "WAIT",
		UpdateSubType:       "Wait",
		UpdateAction:        "START",
		UpdateName:          HoldName,
		WaitSeconds:         seconds,
	}
	action.Body = []byte(pyjson.Dumps(pyjson.NewObject().Set("Status", "PENDING"), pyjson.Default))
	action.LogAnswer = "durable wait checkpointed, PENDING"
	action.LogFields = []telemetry.Field{telemetry.F("wait_seconds", seconds)}
}

// DurableFailure is the answer when the hold's checkpoint failed (detail: Describe of the
// failure): the invocation fails so the durable service retries it, and the "invocation
// refused" line's fields say why.
func (a Action) DurableFailure(inv Invocation, detail string) (Reply, []telemetry.Field) {
	reason := WindowRefusal(inv.FunctionName, a.decision.WindowOrReason(), a.decision.Until, a.Caller.Source,
		"nothing stored; the durable wait could not be checkpointed ("+detail+"), so the durable service retries the invocation")
	failed := a
	failed.LogAnswer = "invocation failed"
	failed.LogFields = []telemetry.Field{telemetry.F("hold_error", detail)}
	return Reply{ErrorType: MaintenanceWindowError, ErrorMessage: reason}, failed.RefusalFields(inv)
}

// Describe is gate.aws.describe: an AWS error's code and message, cut at 300 characters.
func Describe(code, message string) string {
	text := code + ": " + message
	if pyjson.Len(text) <= 300 {
		return text
	}
	return pyjson.Slice(text, 300) + "..."
}
