package runtimeapi

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// BenchmarkAddedLatency measures what the proxy adds to one invocation's Runtime API
// round trips (GET /next, POST /response) outside a window: in one run, each
// iteration does one invocation straight against a fake Lambda and one through the
// proxy in front of it, and the p50 of each and their difference are reported.
// Run: go test -run '^$' -bench AddedLatency -benchtime 5000x ./internal/runtimeapi/
func BenchmarkAddedLatency(b *testing.B) {
	event := []byte(`{"order":7,"items":[1,2,3],"note":"a small event"}`)
	lambda := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == NextPath {
			w.Header().Set(HeaderRequestID, "req-1")
			w.Header().Set(HeaderDeadlineMs, "4102444800000")
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(event)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer lambda.Close()
	server := NewServer(lambda.Listener.Addr().String(), passAll, nil)
	proxy := httptest.NewServer(server)
	defer proxy.Close()
	defer server.Stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
	invoke := func(base string) time.Duration {
		started := time.Now()
		response, err := client.Get(base + NextPath)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, response.Body)
		_ = response.Body.Close()
		response, err = client.Post(base+APIVersion+"/runtime/invocation/req-1/response", "application/json", bytes.NewReader([]byte(`{"ok":true}`)))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, response.Body)
		_ = response.Body.Close()
		return time.Since(started)
	}
	for range 200 { // warm both paths' connections
		invoke(lambda.URL)
		invoke(proxy.URL)
	}
	direct := make([]time.Duration, 0, b.N)
	proxied := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		direct = append(direct, invoke(lambda.URL))
		proxied = append(proxied, invoke(proxy.URL))
	}
	b.StopTimer()
	directP50, proxiedP50 := median(direct), median(proxied)
	b.ReportMetric(float64(directP50.Microseconds()), "direct-p50-µs")
	b.ReportMetric(float64(proxiedP50.Microseconds()), "proxied-p50-µs")
	b.ReportMetric(float64((proxiedP50 - directP50).Microseconds()), "added-p50-µs")
}

func median(samples []time.Duration) time.Duration {
	slices.Sort(samples)
	return samples[len(samples)/2]
}
