package gate

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/runtimeapi"
)

// lambdaAPI hands out events on /next and reports every answer posted to it.
func lambdaAPI(t *testing.T, events []*runtimeapi.Event) (string, <-chan [3]string) {
	t.Helper()
	queue := make(chan *runtimeapi.Event, len(events))
	for _, e := range events {
		queue <- e
	}
	answers := make(chan [3]string, len(events))
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == runtimeapi.NextPath {
			select {
			case e := <-queue:
				for name, values := range e.Header {
					w.Header()[name] = values
				}
				_, _ = w.Write(e.Body)
			case <-r.Context().Done():
			}
			return
		}
		body, _ := io.ReadAll(r.Body)
		answers <- [3]string{r.URL.Path, r.Header.Get(runtimeapi.HeaderErrorType), string(body)}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(server.Close)
	return strings.TrimPrefix(server.URL, "http://"), answers
}

func TestInsideAWindowEachCallerIsAnsweredAsPythonWouldWhileTheRuntimeWaits(t *testing.T) {
	deadline := time.Now().Add(time.Minute)
	apiGateway := `{"version":"2.0","routeKey":"GET /orders","rawPath":"/orders","requestContext":{"http":{"method":"GET"},"apiId":"x"},"headers":{}}`
	fifo := `{"Records":[{"messageId":"m","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-1:123456789012:orders.fifo","body":"{}","attributes":{"MessageGroupId":"g"}}]}`
	events := []*runtimeapi.Event{eventOf(apiGateway, deadline), eventOf(fifo, deadline), eventOf(`{"order": 7}`, deadline)}
	for i, e := range events {
		e.Header.Set(runtimeapi.HeaderRequestID, []string{"http-1", "fifo-1", "async-1"}[i])
	}
	upstream, answers := lambdaAPI(t, events)
	store := &storer{}
	server := runtimeapi.NewServer(upstream, gateWith(inside, store), nil)
	proxy := httptest.NewServer(server)
	t.Cleanup(proxy.Close)
	t.Cleanup(server.Stop)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		request, _ := http.NewRequestWithContext(ctx, http.MethodGet, proxy.URL+runtimeapi.NextPath, nil)
		if response, err := http.DefaultClient.Do(request); err == nil {
			_ = response.Body.Close()
		}
	}()

	got := map[string][3]string{}
	for range events {
		select {
		case answer := <-answers:
			got[strings.Split(answer[0], "/")[4]] = answer
		case <-time.After(10 * time.Second):
			t.Fatalf("answers so far: %v", got)
		}
	}

	var response map[string]any
	if rejected := got["http-1"]; !strings.HasSuffix(rejected[0], "/response") || json.Unmarshal([]byte(rejected[2]), &response) != nil || response["statusCode"] != 503.0 {
		t.Errorf("HTTP: %v, want a 503 response", rejected)
	}
	if fifo := got["fifo-1"]; !strings.HasSuffix(fifo[0], "/error") || fifo[1] != "MaintenanceWindowError" {
		t.Errorf("SQS FIFO: %v, want the batch failed (held)", fifo)
	}
	if async := got["async-1"]; !strings.HasSuffix(async[0], "/response") || !strings.Contains(async[2], `"deferred": true`) {
		t.Errorf("async: %v, want stored and answered deferred", async)
	}
	if len(store.kept) != 1 || store.kept[0].RequestID != "async-1" {
		t.Errorf("stored %d records, want only the async event", len(store.kept))
	}
	select {
	case <-returned:
		t.Fatal("the runtime's /next returned inside the window")
	default:
	}
}
