package runtimeapi

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// lambdaFor is a Runtime API that answers every request 202 with the request's path,
// and counts the connections opened to it.
func lambdaFor(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var opened atomic.Int32
	server := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, r.URL.Path)
	}))
	server.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			opened.Add(1)
		}
	}
	server.Start()
	t.Cleanup(server.Close)
	return server, &opened
}

func exchange(t *testing.T, client *lambdaClient, base, path string) string {
	t.Helper()
	request, err := http.NewRequestWithContext(context.Background(), http.MethodPost, base+path, strings.NewReader(`{"ok":true}`))
	if err != nil {
		t.Fatal(err)
	}
	response, err := client.Do(request)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil || response.StatusCode != http.StatusAccepted {
		t.Fatalf("%s: %d %q %v", path, response.StatusCode, body, err)
	}
	return string(body)
}

func TestTheProxyKeepsOneConnectionToLambdaAcrossInvocations(t *testing.T) {
	server, opened := lambdaFor(t)
	client := newLambdaClient(server.Listener.Addr().String())
	for i := range 20 {
		path := "/2018-06-01/runtime/invocation/req-" + string(rune('a'+i)) + "/response"
		if got := exchange(t, client, server.URL, path); got != path {
			t.Fatalf("answer %q, want %q", got, path)
		}
	}
	if n := opened.Load(); n != 1 {
		t.Fatalf("%d connections opened for 20 sequential exchanges, want 1 kept alive", n)
	}
}

func TestAConnectionLambdaClosedWhileIdleIsNotUsed(t *testing.T) {
	server, opened := lambdaFor(t)
	client := newLambdaClient(server.Listener.Addr().String())
	exchange(t, client, server.URL, "/first")
	server.CloseClientConnections() // Lambda ends the idle connection; the proxy has not noticed
	if got := exchange(t, client, server.URL, "/second"); got != "/second" {
		t.Fatalf("answer %q after Lambda closed the idle connection", got)
	}
	if n := opened.Load(); n != 2 {
		t.Fatalf("%d connections opened, want a new one after Lambda closed the first", n)
	}
}

func TestABodyClosedBeforeItsEndDoesNotLeaveItsConnectionForTheNext(t *testing.T) {
	server, opened := lambdaFor(t)
	client := newLambdaClient(server.Listener.Addr().String())
	request, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, server.URL+"/unread", nil)
	response, err := client.Do(request)
	if err != nil {
		t.Fatal(err)
	}
	_ = response.Body.Close() // the body ("/unread") left unread on the connection
	if got := exchange(t, client, server.URL, "/next-one"); got != "/next-one" {
		t.Fatalf("answer %q: the unread body's connection was reused", got)
	}
	if n := opened.Load(); n != 2 {
		t.Fatalf("%d connections opened, want 2", n)
	}
}
