package callers

import (
	"strconv"
	"time"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/window"
)

// The error types a caller sees, named as the Python gate's exceptions are, since a
// runtime reports an exception's class name as errorType.
const (
	MaintenanceWindowError      = "MaintenanceWindowError"
	EventDeferredError          = "EventDeferredError"
	CustomResourceResponseError = "CustomResourceResponseError"
)

const rejectedMessage = "Service unavailable for maintenance; retry later."

func retryValue(seconds int64, known bool) pyjson.Value {
	if !known {
		return nil
	}
	return seconds
}

// DeferredResponse is responses.deferred_response: 202 Accepted for an HTTP caller,
// the plain {"deferred", "id", "retryAfter"} object otherwise.
func DeferredResponse(event pyjson.Value, caller Caller, requestID string, retryAfter int64, known bool) *pyjson.Object {
	body := pyjson.NewObject().Set("deferred", true).Set("id", requestID).Set("retryAfter", retryValue(retryAfter, known))
	if caller.Kind != HTTP {
		return body
	}
	return httpResponse(event, caller, 202, "Accepted", nil, body)
}

// RejectedResponse is responses.rejected_response: 503 with Retry-After, nothing stored.
func RejectedResponse(event pyjson.Value, caller Caller, retryAfter int64, known bool) *pyjson.Object {
	var headers [][2]string
	if known {
		headers = append(headers, [2]string{"Retry-After", strconv.FormatInt(retryAfter, 10)})
	}
	body := pyjson.NewObject().Set("message", rejectedMessage).Set("retryAfter", retryValue(retryAfter, known))
	return httpResponse(event, caller, 503, "Service Unavailable", headers, body)
}

// S3BatchRefusal is responses.s3_batch_refusal: every task a TemporaryFailure, which S3 retries.
func S3BatchRefusal(event *pyjson.Object, reason string) *pyjson.Object {
	version, ok := event.Get("invocationSchemaVersion")
	if !ok {
		version = "1.0"
	}
	invocationID, _ := event.Get("invocationId")
	results := []pyjson.Value{}
	tasks, _ := event.Get("tasks")
	list, _ := tasks.([]pyjson.Value)
	for _, item := range list {
		task, ok := item.(*pyjson.Object)
		if !ok {
			continue
		}
		taskID, _ := task.Get("taskId")
		results = append(results, pyjson.NewObject().
			Set("taskId", taskID).
			Set("resultCode", "TemporaryFailure").
			Set("resultString", reason))
	}
	return pyjson.NewObject().
		Set("invocationSchemaVersion", version).
		Set("treatMissingKeysAs", "TemporaryFailure").
		Set("invocationId", invocationID).
		Set("results", results)
}

// WindowRefusal is responses.window_refusal: the one-line reason a refused caller sees.
func WindowRefusal(functionName, windowName string, until time.Time, source, outcome string) string {
	end := "the window is closed"
	if !until.IsZero() {
		end = window.Isoformat(until)
	}
	return functionName + " is in a maintenance window, " + windowName + ", until " + end + ": " +
		source + " invocation refused, " + outcome
}

func httpResponse(event pyjson.Value, caller Caller, status int, phrase string, extra [][2]string, body *pyjson.Object) *pyjson.Object {
	headers := pyjson.NewObject().Set("Content-Type", "application/json")
	for _, header := range extra {
		headers.Set(header[0], header[1])
	}
	response := pyjson.NewObject().Set("statusCode", status).Set("body", pyjson.Dumps(body, pyjson.Default))
	if caller.Source != ALBSource {
		return response.Set("headers", headers)
	}
	// ALB answers in the mode it asked in: a target group with multi-value headers
	// turned on reads only multiValueHeaders from the response.
	object, _ := event.(*pyjson.Object)
	if multi, _ := object.Get("multiValueHeaders"); isObject(multi) {
		values := pyjson.NewObject()
		for _, name := range headers.Keys {
			values.Set(name, []pyjson.Value{headers.Values[name]})
		}
		response.Set("multiValueHeaders", values)
	} else {
		response.Set("headers", headers)
	}
	return response.
		Set("statusDescription", strconv.Itoa(status)+" "+phrase).
		Set("isBase64Encoded", false)
}
