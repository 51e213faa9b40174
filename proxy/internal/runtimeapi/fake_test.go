package runtimeapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// upstream is a fake of Lambda's Runtime API: /next hands out queued events; every other
// request is recorded (method, path, headers, body, trailers) and answered 202 unless a
// status is set for its path.
type upstream struct {
	t        *testing.T
	server   *httptest.Server
	events   chan *Event
	mu       sync.Mutex
	requests []recorded
	statuses map[string]int
	arrived  chan recorded
	chunks   chan string  // each read of a request body, as it arrives
	waiting  atomic.Int64 // /next requests waiting for an event
}

type recorded struct {
	Method  string
	Path    string
	Header  http.Header
	Body    string
	Trailer http.Header
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{t: t, events: make(chan *Event, 16), statuses: map[string]int{}, arrived: make(chan recorded, 64), chunks: make(chan string, 64)}
	u.server = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.server.Close)
	return u
}

func (u *upstream) address() string { return strings.TrimPrefix(u.server.URL, "http://") }

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == NextPath {
		u.waiting.Add(1)
		defer u.waiting.Add(-1)
		select {
		case event := <-u.events:
			for name, values := range event.Header {
				w.Header()[name] = values
			}
			w.WriteHeader(event.Status)
			_, _ = w.Write(event.Body)
		case <-r.Context().Done():
		}
		return
	}
	var body strings.Builder
	buffer := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buffer)
		if n > 0 {
			body.Write(buffer[:n])
			u.chunks <- string(buffer[:n])
		}
		if err != nil {
			break
		}
	}
	got := recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body.String(), Trailer: r.Trailer.Clone()}
	u.mu.Lock()
	u.requests = append(u.requests, got)
	status, ok := u.statuses[r.URL.Path]
	u.mu.Unlock()
	if !ok {
		status = http.StatusAccepted
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"status":"OK"}`)
	u.arrived <- got
}

// next waits for the next non-/next request the upstream received.
func (u *upstream) next() recorded {
	u.t.Helper()
	select {
	case got := <-u.arrived:
		return got
	case <-time.After(5 * time.Second):
		u.t.Fatal("upstream received nothing within 5 s")
		return recorded{}
	}
}

func (u *upstream) none(within time.Duration) {
	u.t.Helper()
	select {
	case got := <-u.arrived:
		u.t.Fatalf("upstream received %s %s, expected nothing", got.Method, got.Path)
	case <-time.After(within):
	}
}

// gateFunc adapts a function to Gate.
type gateFunc func(ctx context.Context, event *Event) (*Answer, error)

func (f gateFunc) Answer(ctx context.Context, event *Event) (*Answer, error) { return f(ctx, event) }

var passAll = gateFunc(func(context.Context, *Event) (*Answer, error) { return nil, nil })

// proxyFor starts the proxy in front of u with gate g; it returns the proxy's base URL.
func proxyFor(t *testing.T, u *upstream, g Gate) *httptest.Server {
	t.Helper()
	server := NewServer(u.address(), g, func(level, message string, fields ...any) {
		t.Logf("%s %s %v", level, message, fields)
	})
	proxy := httptest.NewServer(server)
	t.Cleanup(proxy.Close)
	t.Cleanup(server.Stop) // first: a /next still waiting upstream ends
	return proxy
}

func event(requestID, body string) *Event {
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set(HeaderRequestID, requestID)
	header.Set(HeaderDeadlineMs, "4102444800000")
	header.Set(HeaderFunctionArn, "arn:aws:lambda:eu-west-1:123456789012:function:orders")
	header.Set(HeaderTraceID, "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")
	return &Event{Status: http.StatusOK, Header: header, Body: []byte(body)}
}
