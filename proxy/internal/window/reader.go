package window

import (
	"context"
	"errors"
)

// ParameterGetter is the one SSM call the reader makes (a *clients.ParameterStore).
type ParameterGetter interface {
	GetParameter(ctx context.Context, name string) (string, error)
}

// ReadError is a failed read of the window parameter, named as the Python reader names
// it: the AWS error code, else ParameterReadError (no answer at all).
type ReadError struct {
	code  string
	cause error
}

func (e *ReadError) Error() string { return e.code + ": " + e.cause.Error() }
func (e *ReadError) Unwrap() error { return e.cause }

// Code names the failure for the ConfigErrors metric.
func (e *ReadError) Code() string { return e.code }

type coded interface{ ErrorCode() string }

// Reader returns the Fetch that reads parameterName with client (gate.window.reader).
// Budgets, endpoints and retries are the client's (clients.SSM): one immediate retry
// of a transient failure, none of a throttle, which the cache's back-off answers.
func Reader(client ParameterGetter, parameterName string) Fetch {
	return func(ctx context.Context) (string, error) {
		value, err := client.GetParameter(ctx, parameterName)
		if err != nil {
			code := "ParameterReadError"
			var named coded
			if errors.As(err, &named) {
				code = named.ErrorCode()
			}
			return "", &ReadError{code: code, cause: err}
		}
		return value, nil
	}
}
