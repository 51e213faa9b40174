package runtimeapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func getNext(t *testing.T, ctx context.Context, base string) (*http.Response, []byte) {
	t.Helper()
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, base+NextPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		t.Fatalf("runtime /next: %v", err)
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response, body
}

func TestOutsideAWindowTheEventPassesByteForByteWithEveryHeader(t *testing.T) {
	u := newUpstream(t)
	proxy := proxyFor(t, u, passAll)
	sent := event("req-1", "{\"body\": \"caf\u00e9\\u00e9\",\n \"n\": 1.50}")
	sent.Header.Set(HeaderClientContext, `{"custom":{"k":"v"},"env":{},"client":{}}`)
	sent.Header.Set(HeaderCognitoIdentity, `{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}`)
	sent.Header.Set(HeaderTenantID, "tenant-a")
	sent.Header.Set("Date", "Sun, 06 Dec 2026 00:00:00 GMT")
	sent.Header.Set("X-Future-Lambda-Header", "kept")
	u.events <- sent

	response, body := getNext(t, context.Background(), proxy.URL)

	if !bytes.Equal(body, sent.Body) {
		t.Fatalf("body changed: got %q want %q", body, sent.Body)
	}
	for name, values := range sent.Header {
		if got := response.Header.Values(name); strings.Join(got, "\n") != strings.Join(values, "\n") {
			t.Errorf("header %s: got %q want %q", name, got, values)
		}
	}
	if response.ContentLength != int64(len(sent.Body)) {
		t.Errorf("content length %d, want %d", response.ContentLength, len(sent.Body))
	}
}

func TestLambdasOwnRefusalOfNextReachesTheRuntime(t *testing.T) {
	u := newUpstream(t)
	answered := false
	proxy := proxyFor(t, u, gateFunc(func(context.Context, *Event) (*Answer, error) {
		answered = true
		return &Answer{Body: []byte("{}")}, nil
	}))
	refusal := &Event{Status: http.StatusForbidden, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"errorType":"InvalidStateTransition"}`)}
	u.events <- refusal

	response, body := getNext(t, context.Background(), proxy.URL)

	if response.StatusCode != http.StatusForbidden || string(body) != string(refusal.Body) || answered {
		t.Fatalf("got %d %q (gate asked: %v), want Lambda's 403 passed on without the gate", response.StatusCode, body, answered)
	}
}

func TestInsideAWindowTheProxyAnswersAndTheRuntimesNextStaysOpen(t *testing.T) {
	u := newUpstream(t)
	proxy := proxyFor(t, u, gateFunc(func(_ context.Context, e *Event) (*Answer, error) {
		switch e.RequestID() {
		case "req-1":
			return &Answer{Body: []byte(`{"statusCode":503}`)}, nil
		case "req-2":
			return &Answer{Error: true, ErrorType: "MaintenanceWindowError", Body: []byte(`{"errorType":"MaintenanceWindowError"}`)}, nil
		}
		return nil, nil
	}))
	u.events <- event("req-1", `{"a":1}`)
	u.events <- event("req-2", `{"a":2}`)

	type result struct {
		header http.Header
		body   []byte
	}
	done := make(chan result, 1)
	go func() {
		response, body := getNext(t, context.Background(), proxy.URL)
		done <- result{response.Header, body}
	}()

	first, second := u.next(), u.next()
	if first.Path != APIVersion+"/runtime/invocation/req-1/response" || first.Body != `{"statusCode":503}` {
		t.Fatalf("first answer: %s %q", first.Path, first.Body)
	}
	if second.Path != APIVersion+"/runtime/invocation/req-2/error" || second.Header.Get(HeaderErrorType) != "MaintenanceWindowError" {
		t.Fatalf("second answer: %s %v", second.Path, second.Header)
	}
	select {
	case got := <-done:
		t.Fatalf("the runtime's /next returned %q while the proxy answered events itself", got.body)
	case <-time.After(100 * time.Millisecond):
	}
	u.events <- event("req-3", `{"a":3}`)
	select {
	case got := <-done:
		if got.header.Get(HeaderRequestID) != "req-3" || string(got.body) != `{"a":3}` {
			t.Fatalf("runtime got %s %q, want req-3", got.header.Get(HeaderRequestID), got.body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the runtime's /next never returned the event outside the window")
	}
}

type storeError struct{ message string }

func (e storeError) Error() string     { return e.message }
func (e storeError) ErrorType() string { return "DeferralStoreError" }

func TestAGateFailureFailsTheInvocationNeverReportsItStored(t *testing.T) {
	u := newUpstream(t)
	proxy := proxyFor(t, u, gateFunc(func(_ context.Context, e *Event) (*Answer, error) {
		if e.RequestID() == "req-1" {
			return nil, errors.Join(storeError{"could not store deferred event req-1: ProvisionedThroughputExceededException"})
		}
		return nil, nil
	}))
	u.events <- event("req-1", `{}`)
	u.events <- event("req-2", `{}`)

	response, _ := getNext(t, context.Background(), proxy.URL)
	failed := u.next()

	if response.Header.Get(HeaderRequestID) != "req-2" {
		t.Fatalf("runtime got %s, want req-2", response.Header.Get(HeaderRequestID))
	}
	if failed.Path != APIVersion+"/runtime/invocation/req-1/error" || failed.Header.Get(HeaderErrorType) != "DeferralStoreError" {
		t.Fatalf("failed invocation posted as %s %v", failed.Path, failed.Header)
	}
	if !strings.Contains(failed.Body, "ProvisionedThroughputExceededException") || !strings.Contains(failed.Body, `"errorType":"DeferralStoreError"`) {
		t.Fatalf("error body %q does not say why", failed.Body)
	}
	u.none(50 * time.Millisecond)
}

func TestAnEventFetchedForARuntimeThatLeftGoesToTheNextNext(t *testing.T) {
	u := newUpstream(t)
	server := NewServer(u.address(), passAll, func(level, message string, fields ...any) {
		t.Logf("%s %s %v", level, message, fields)
	})
	proxy := httptest.NewServer(server)
	t.Cleanup(proxy.Close)
	t.Cleanup(server.Stop)
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan error, 1)
	go func() {
		request, _ := http.NewRequestWithContext(ctx, http.MethodGet, proxy.URL+NextPath, nil)
		_, err := http.DefaultClient.Do(request)
		gone <- err
	}()
	waitFor(t, "the proxy to wait upstream", func() bool { return u.waiting.Load() == 1 })
	cancel()
	if err := <-gone; err == nil {
		t.Fatal("the cancelled /next returned an event")
	}
	// Sent only once the proxy has seen the runtime leave: a close it has not yet read
	// is indistinguishable from a slow reader, on Lambda as here.
	waitFor(t, "the proxy to see the runtime leave", func() bool { return server.runtimesGone.Load() == 1 })
	u.events <- event("req-1", `{"kept":true}`)
	// A /next already waiting upstream is not handed a held event: the one after it is.
	waitFor(t, "the proxy to hold the event", func() bool { return len(server.held) == 1 })

	bounded, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	response, body := getNext(t, bounded, proxy.URL)

	if response.Header.Get(HeaderRequestID) != "req-1" || string(body) != `{"kept":true}` {
		t.Fatalf("got %s %q, want the event fetched for the runtime that left", response.Header.Get(HeaderRequestID), body)
	}
}

// waitFor polls condition for at most 10 s, so a broken expectation fails instead of hanging.
func waitFor(t *testing.T, what string, condition func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !condition(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestResponseErrorInitErrorAndRestoreNextPassUntouched(t *testing.T) {
	u := newUpstream(t)
	u.statuses[APIVersion+"/runtime/init/error"] = http.StatusForbidden
	proxy := proxyFor(t, u, passAll)
	cases := []struct {
		method, path, body string
		header             http.Header
		status             int
	}{
		{http.MethodPost, "/runtime/invocation/req-1/response", `{"ok":true}`, http.Header{"Content-Type": {"application/json"}}, http.StatusAccepted},
		{http.MethodPost, "/runtime/invocation/req-2/error", `{"errorType":"Boom"}`, http.Header{HeaderErrorType: {"Boom"}, "Lambda-Runtime-Function-Xray-Error-Cause": {`{"exceptions":[]}`}}, http.StatusAccepted},
		{http.MethodPost, "/runtime/init/error", `{"errorType":"Init"}`, http.Header{HeaderErrorType: {"Runtime.Init"}}, http.StatusForbidden},
		{http.MethodGet, "/runtime/restore/next", "", http.Header{"User-Agent": {"aws-lambda-go/go1.26"}}, http.StatusAccepted},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			request, _ := http.NewRequest(c.method, proxy.URL+APIVersion+c.path, body)
			for name, values := range c.header {
				request.Header[name] = values
			}
			response, err := http.DefaultClient.Do(request)
			if err != nil {
				t.Fatal(err)
			}
			answer, _ := io.ReadAll(response.Body)
			response.Body.Close()
			got := u.next()
			if response.StatusCode != c.status || string(answer) != `{"status":"OK"}` {
				t.Errorf("runtime got %d %q, want %d and upstream's body", response.StatusCode, answer, c.status)
			}
			if got.Method != c.method || got.Path != APIVersion+c.path || got.Body != c.body {
				t.Errorf("upstream got %s %s %q", got.Method, got.Path, got.Body)
			}
			for name, values := range c.header {
				if got.Header.Get(name) != values[0] {
					t.Errorf("header %s: upstream got %q want %q", name, got.Header.Get(name), values[0])
				}
			}
		})
	}
}

func TestAStreamedResponsePassesChunkByChunkWithItsTrailers(t *testing.T) {
	u := newUpstream(t)
	proxy := proxyFor(t, u, passAll)
	reader, writer := io.Pipe()
	request, _ := http.NewRequest(http.MethodPost, proxy.URL+APIVersion+"/runtime/invocation/req-1/response", reader)
	request.Header.Set("Lambda-Runtime-Function-Response-Mode", "streaming")
	request.Header.Set("Content-Type", "application/vnd.awslambda.http-integration-response")
	request.Trailer = http.Header{"Lambda-Runtime-Function-Error-Type": nil, "Lambda-Runtime-Function-Error-Body": nil}
	answered := make(chan *http.Response, 1)
	go func() {
		response, err := http.DefaultClient.Do(request)
		if err != nil {
			t.Error(err)
			close(answered)
			return
		}
		answered <- response
	}()

	_, _ = writer.Write([]byte("first chunk;"))
	select {
	case chunk := <-u.chunks:
		if chunk != "first chunk;" {
			t.Fatalf("upstream read %q first", chunk)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first chunk did not reach upstream before the stream ended: the proxy buffers")
	}
	_, _ = writer.Write([]byte("second chunk"))
	request.Trailer.Set("Lambda-Runtime-Function-Error-Type", "Runtime.StreamError")
	request.Trailer.Set("Lambda-Runtime-Function-Error-Body", "eyJlcnJvclR5cGUiOiJCb29tIn0=")
	_ = writer.Close()

	got := u.next()
	response := <-answered
	if response == nil {
		t.FailNow()
	}
	response.Body.Close()
	if got.Body != "first chunk;second chunk" || got.Header.Get("Lambda-Runtime-Function-Response-Mode") != "streaming" {
		t.Fatalf("upstream got %q with %v", got.Body, got.Header)
	}
	if got.Trailer.Get("Lambda-Runtime-Function-Error-Type") != "Runtime.StreamError" || got.Trailer.Get("Lambda-Runtime-Function-Error-Body") != "eyJlcnJvclR5cGUiOiJCb29tIn0=" {
		t.Fatalf("trailers lost: upstream got %v", got.Trailer)
	}
	if response.StatusCode != http.StatusAccepted {
		t.Fatalf("runtime got %d", response.StatusCode)
	}
}

func TestTheProxyGoingAwayClosesTheRuntimesNext(t *testing.T) {
	u := newUpstream(t)
	proxy := proxyFor(t, u, passAll)
	failed := make(chan error, 1)
	go func() {
		response, err := http.Get(proxy.URL + NextPath)
		if err == nil {
			_, err = io.ReadAll(response.Body)
			response.Body.Close()
		}
		failed <- err // nil: the runtime got an answer from a proxy that went away
	}()
	time.Sleep(50 * time.Millisecond)
	proxy.CloseClientConnections()
	select {
	case err := <-failed:
		if err == nil {
			t.Fatal("the runtime got an event from a proxy that went away")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the runtime's /next hangs after the proxy went away")
	}
}

func TestAfterARestoreTheHookRunsBeforeTheRuntimeIsTold(t *testing.T) {
	u := newUpstream(t)
	u.statuses[RestorePath] = http.StatusOK
	server := NewServer(u.address(), passAll, nil)
	var hooked atomic.Int32
	server.AfterRestore(func() { hooked.Add(1) })
	proxy := httptest.NewServer(server)
	t.Cleanup(proxy.Close)
	t.Cleanup(server.Stop)

	response, err := http.Get(proxy.URL + RestorePath)
	if err != nil {
		t.Fatal(err)
	}
	_ = response.Body.Close()
	u.next()
	if hooked.Load() != 1 || response.StatusCode != http.StatusOK {
		t.Fatalf("hook ran %d times by the time the runtime got %d", hooked.Load(), response.StatusCode)
	}
	response, _ = http.Post(proxy.URL+APIVersion+"/runtime/invocation/req-1/response", "application/json", strings.NewReader("{}"))
	_ = response.Body.Close()
	u.next()
	if hooked.Load() != 1 {
		t.Fatal("the hook ran for a request other than a restore")
	}
}

func TestTheProxyAddsNoUserAgentOfItsOwn(t *testing.T) {
	u := newUpstream(t)
	proxy := proxyFor(t, u, passAll)
	for _, agent := range []string{"", "aws-lambda-nodejs/22"} {
		request, _ := http.NewRequest(http.MethodPost, proxy.URL+APIVersion+"/runtime/invocation/req-1/response", strings.NewReader(`{}`))
		request.Header["User-Agent"] = []string{agent} // empty: Go's client sends none
		response, err := http.DefaultClient.Do(request)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, response.Body)
		response.Body.Close()
		got := u.next()
		if values := got.Header.Values("User-Agent"); agent == "" && len(values) != 0 || agent != "" && (len(values) != 1 || values[0] != agent) {
			t.Errorf("runtime sent User-Agent %q; upstream got %q", agent, values)
		}
	}
}
