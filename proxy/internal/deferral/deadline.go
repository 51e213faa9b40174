package deferral

import (
	"fmt"
	"time"
)

// MarginSeconds is kept back from the invocation's remaining time: enough to log the
// failure and report the error before Lambda's own timeout ends the invocation
// (gate/deferral/deadline.py).
const MarginSeconds = 0.5

// StoreBudget is how long a store may take, in seconds: the invocation's remaining
// time as awslambdaric reads it from Lambda-Runtime-Deadline-Ms (whole milliseconds,
// never below zero) less the margin. At or below zero, no request may be sent.
func StoreBudget(deadlineMs int64, now time.Time) float64 {
	remaining := max(deadlineMs-now.UnixMilli(), 0)
	return float64(remaining)/1000 - MarginSeconds
}

// NoTimeLeftError is the failure of a store that could not begin inside its budget:
// nothing was sent, so nothing can land later.
func NoTimeLeftError(requestID string, budget float64) error {
	return timeoutError(requestID, fmt.Sprintf("no time left: the deadline passed %.3f s ago", -budget))
}

// NotFinishedError is the failure of a store still running when its budget ran out: it
// may still land, keyed by the request id, so a retry makes one record.
func NotFinishedError(requestID string, budget float64) error {
	return timeoutError(requestID, fmt.Sprintf("not finished within %.3f s", budget))
}

func timeoutError(requestID, detail string) error {
	return &TimeoutError{fmt.Sprintf(
		"storing deferred event %s did not finish by the invocation's deadline (%s); "+
			"it is not acknowledged, and a retry under the same request id makes one record", requestID, detail)}
}
