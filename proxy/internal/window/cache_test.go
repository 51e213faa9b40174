package window

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/config"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/telemetry"
)

// clock is a settable instant shared by the cache and the test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type throttled struct{}

func (throttled) Error() string     { return "rate exceeded" }
func (throttled) ErrorCode() string { return "ThrottlingException" }

// fetcher answers from a script of results, counting its calls.
type fetcher struct {
	mu      sync.Mutex
	results []func() (string, error)
	calls   int
	block   chan struct{} // when set, each fetch waits for it
}

func (f *fetcher) fetch(context.Context) (string, error) {
	f.mu.Lock()
	f.calls++
	result := f.results[min(f.calls, len(f.results))-1]
	block := f.block
	f.mu.Unlock()
	if block != nil {
		<-block
	}
	return result()
}

func (f *fetcher) count() int { f.mu.Lock(); defer f.mu.Unlock(); return f.calls }

func text(document string) func() (string, error) {
	return func() (string, error) { return document, nil }
}

func failing(err error) func() (string, error) { return func() (string, error) { return "", err } }

func source(t *testing.T, f *fetcher, c *clock, cfg config.Config, log io.Writer) *Source {
	t.Helper()
	if log == nil {
		log = io.Discard
	}
	// Jitter pinned to its upper bound: delays are exactly TTL, or the back-off ceiling.
	upper := func(a, b float64) float64 { return b }
	return NewSource(f.fetch, cfg, telemetry.New(log, nil)).WithClock(c.Now, upper)
}

func settings(ttl float64, failMode config.FailMode) config.Config {
	cfg := config.Defaults
	cfg.CacheTTLSeconds, cfg.FailMode = ttl, failMode
	return cfg
}

func TestADecisionIsServedFromTheCacheUntilTheTTLThenReadAgain(t *testing.T) {
	c := &clock{now: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
	f := &fetcher{results: []func() (string, error){text(`{"mode":"maintenance"}`), text(`{"mode":"live"}`)}}
	s := source(t, f, c, settings(10, config.FailLive), nil)

	if !s.Prime().Defer {
		t.Fatal("primed decision should defer")
	}
	c.Advance(9 * time.Second)
	if !s.Current(time.Time{}).Defer || f.count() != 1 {
		t.Fatalf("within the TTL: %d reads, want 1 and the cached decision", f.count())
	}
	c.Advance(2 * time.Second)
	if s.Current(time.Time{}).Defer || f.count() != 2 {
		t.Fatalf("after the TTL: %d reads, want 2 and the new decision", f.count())
	}
}

func TestAWindowOpensOnItsBoundaryWithoutARead(t *testing.T) {
	c := &clock{now: time.Date(2026, 12, 6, 11, 59, 59, 0, time.UTC)}
	f := &fetcher{results: []func() (string, error){text(`{"windows":[{"start":"2026-12-06T12:00:00Z","end":"2026-12-06T13:00:00Z"}]}`)}}
	s := source(t, f, c, settings(600, config.FailLive), nil)
	if s.Prime().Defer {
		t.Fatal("before the window: should not defer")
	}
	c.Advance(time.Second)
	if !s.Current(time.Time{}).Defer {
		t.Fatal("on the boundary: should defer")
	}
	if f.count() != 1 {
		t.Fatalf("%d reads, want 1: the boundary needs none", f.count())
	}
}

func TestWithNoDocumentTheFailModeDecides(t *testing.T) {
	for _, mode := range []config.FailMode{config.FailLive, config.FailMaintenance} {
		c := &clock{now: time.Unix(1_800_000_000, 0)}
		f := &fetcher{results: []func() (string, error){failing(errors.New("connection refused"))}}
		decision := source(t, f, c, settings(10, mode), nil).Prime()
		if decision.Defer != (mode == config.FailMaintenance) || !strings.Contains(decision.Reason, "GATE_FAIL_MODE="+string(mode)) {
			t.Errorf("fail mode %s: %+v", mode, decision)
		}
	}
}

func TestFailedReadsBackOffExponentiallyAndAThrottleIsNamed(t *testing.T) {
	c := &clock{now: time.Unix(1_800_000_000, 0)}
	var log strings.Builder
	f := &fetcher{results: []func() (string, error){text(`{"mode":"live"}`), failing(&ReadError{code: "ThrottlingException", cause: throttled{}})}}
	s := source(t, f, c, settings(10, config.FailMaintenance), &log)
	s.Prime()
	// With the jitter at its upper bound: reads at TTL, then 2 x TTL, then 4 x TTL later.
	var readsAt []int
	for second := 1; second <= 75; second++ {
		c.Advance(time.Second)
		before := f.count()
		if s.Current(time.Time{}).Defer {
			t.Fatal("a failing read keeps the last good document (live), not the fail mode")
		}
		s.Settled(time.Second)
		if f.count() > before {
			readsAt = append(readsAt, second)
		}
	}
	if want := []int{10, 30, 70}; len(readsAt) != 3 || readsAt[0] != want[0] || readsAt[1] != want[1] || readsAt[2] != want[2] {
		t.Fatalf("reads at %v s, want %v", readsAt, want)
	}
	if !strings.Contains(log.String(), `"error":"ThrottlingException"`) || strings.Count(log.String(), "window document refresh failed") != 1 {
		t.Fatalf("the failure is logged once, by its code: %s", log.String())
	}
	if strings.Count(log.String(), `"ConfigErrors":1`) != 3 {
		t.Fatalf("every failed read is counted: %s", log.String())
	}
}

func TestAnInvocationWaitsForARefreshAtMostATenthOfItsRemainingTime(t *testing.T) {
	c := &clock{now: time.Unix(1_800_000_000, 0)}
	f := &fetcher{results: []func() (string, error){text(`{"mode":"live"}`), text(`{"mode":"maintenance"}`)}}
	s := source(t, f, c, settings(1, config.FailLive), nil)
	s.Prime()
	f.mu.Lock()
	f.block = make(chan struct{})
	f.mu.Unlock()
	c.Advance(2 * time.Second)

	started := time.Now()
	decision := s.Current(c.Now().Add(300 * time.Millisecond)) // 30 ms to wait, not the 200 ms default
	waited := time.Since(started)
	close(f.block)

	if decision.Defer {
		t.Fatal("the refresh had not finished: the last good document (live) answers")
	}
	if waited > 150*time.Millisecond {
		t.Fatalf("waited %v for a refresh, bound was 30 ms", waited)
	}
	if !s.Settled(time.Second) || !s.Current(time.Time{}).Defer {
		t.Fatal("once the refresh is done, its document answers")
	}
}

func TestAnInvalidDocumentKeepsTheLastGoodOneAndIsNamed(t *testing.T) {
	c := &clock{now: time.Unix(1_800_000_000, 0)}
	var log strings.Builder
	f := &fetcher{results: []func() (string, error){text(`{"mode":"maintenance"}`), text(`{"mode":"sometimes"}`)}}
	s := source(t, f, c, settings(1, config.FailLive), &log)
	s.Prime()
	c.Advance(2 * time.Second)
	s.Current(time.Time{})
	s.Settled(time.Second)
	if !s.Current(time.Time{}).Defer {
		t.Fatal("an invalid document replaced the last good one")
	}
	if !strings.Contains(log.String(), `"error":"InvalidDocument"`) || !strings.Contains(log.String(), "mode") {
		t.Fatalf("log does not name the invalid document: %s", log.String())
	}
}
