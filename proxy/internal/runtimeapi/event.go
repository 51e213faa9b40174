// Package runtimeapi is the proxy between a function's runtime and Lambda's Runtime API.
//
// The runtime talks to the proxy exactly as it would to Lambda (AWS_LAMBDA_RUNTIME_API
// points here). The proxy holds the runtime's GET .../invocation/next, takes the real
// next event upstream and asks its Gate what to do: hand the event over unchanged, or
// answer it itself and fetch the next one while the runtime keeps waiting. Every other
// endpoint (/response, streamed or not, /error, /init/error, /restore/next, ...) is
// forwarded untouched.
package runtimeapi

import (
	"net/http"
	"strconv"
	"time"
)

// The Runtime API's version prefix and the headers an invocation carries, as Lambda
// sends them (the emulator's rapi/rendering, aws-lambda-go's runtime_api_client.go).
const (
	APIVersion            = "/2018-06-01"
	NextPath              = APIVersion + "/runtime/invocation/next"
	HeaderRequestID       = "Lambda-Runtime-Aws-Request-Id"
	HeaderDeadlineMs      = "Lambda-Runtime-Deadline-Ms"
	HeaderFunctionArn     = "Lambda-Runtime-Invoked-Function-Arn"
	HeaderTraceID         = "Lambda-Runtime-Trace-Id"
	HeaderClientContext   = "Lambda-Runtime-Client-Context"
	HeaderCognitoIdentity = "Lambda-Runtime-Cognito-Identity"
	HeaderTenantID        = "Lambda-Runtime-Aws-Tenant-Id"
	HeaderErrorType       = "Lambda-Runtime-Function-Error-Type"
)

// Event is one response of the upstream GET .../invocation/next, kept whole so that a
// runtime given it sees the same status, headers and bytes Lambda sent.
type Event struct {
	Status int
	Header http.Header
	Body   []byte
}

// RequestID is the invocation's id, under which it is answered.
func (e *Event) RequestID() string { return e.Header.Get(HeaderRequestID) }

// Deadline is when Lambda ends the invocation; ok is false when the header is absent or malformed.
func (e *Event) Deadline() (deadline time.Time, ok bool) {
	ms, err := strconv.ParseInt(e.Header.Get(HeaderDeadlineMs), 10, 64)
	if err != nil || ms <= 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

// Answer is what the proxy posts upstream for an event it answers itself: the function's
// response, or (Error true) an invocation error of type ErrorType with Body as its payload.
type Answer struct {
	Error     bool
	ErrorType string
	Body      []byte
}

// NamedError is an error that names its type for Lambda's error report (errorType).
type NamedError interface {
	error
	ErrorType() string
}
