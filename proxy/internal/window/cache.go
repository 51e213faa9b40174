package window

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/config"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/telemetry"
)

// The cache's constants, as gate/window/cache.py has them.
const (
	// Until a first good document arrives, failed reads are retried from this base rather than the TTL.
	RetryWithoutDocumentSeconds = 1.0
	// However long a failure lasts, a read is tried at least this often (then jittered down to half).
	MaxBackoffSeconds = 60.0
	// Refreshes after success come after TTL x uniform(1 - TTLJitter, 1): never later than the TTL.
	TTLJitter = 0.1
	// An invocation never waits for a refresh for more than this share of its remaining time.
	ShareOfRemainingTime = 0.1
)

// Fetch reads the document's text (gate.window.reader); an error only costs freshness.
type Fetch func(ctx context.Context) (string, error)

// Uniform draws from [a, b); math/rand/v2's generator is seeded from the kernel.
type Uniform func(a, b float64) float64

// CodedError is a fetch failure that names itself (an AWS error code, or the failure's
// kind), for the ConfigErrors metric and the log line.
type CodedError interface {
	error
	Code() string
}

type published struct {
	until    time.Time // the decision holds until this instant (zero: forever)
	decision Decision
}

// Source is the cached window decision (gate.window.cache.WindowSource). The hot path,
// Current, is one clock reading against an instant held in an atomic pointer: the
// earlier of the next boundary and the next refresh. Refreshes run in a goroutine, one
// at a time; an invocation that finds the cache expired waits for one only briefly.
type Source struct {
	fetch       Fetch
	ttl         float64
	failMode    config.FailMode
	refreshWait float64
	initWait    float64
	clock       func() time.Time
	uniform     Uniform
	log         *telemetry.Logger

	mu         sync.Mutex // guards the fields below; never held across I/O
	refreshing chan struct{}
	text       string
	document   *Document
	nextFetch  time.Time
	failures   int
	failure    string
	FetchCount atomic.Int64

	state         atomic.Pointer[published]
	untilBoundary atomic.Pointer[published]
}

// NewSource is watch_window: the cache for cfg's TTL, fail mode and waits, not yet primed.
func NewSource(fetch Fetch, cfg config.Config, log *telemetry.Logger) *Source {
	s := &Source{
		fetch: fetch, ttl: cfg.CacheTTLSeconds, failMode: cfg.FailMode,
		refreshWait: cfg.RefreshWaitSeconds, initWait: cfg.InitWaitSeconds,
		clock: time.Now, uniform: func(a, b float64) float64 { return a + (b-a)*rand.Float64() }, log: log,
	}
	s.state.Store(&published{until: time.Unix(0, 0)})
	s.untilBoundary.Store(&published{until: time.Unix(0, 0)})
	return s
}

// WithClock replaces the clock and the jitter, for tests.
func (s *Source) WithClock(clock func() time.Time, uniform Uniform) *Source {
	s.clock, s.uniform = clock, uniform
	return s
}

// Prime reads during init, waiting for the read at most the init bound.
func (s *Source) Prime() Decision {
	s.mu.Lock()
	refreshing := s.refreshing
	if refreshing == nil && s.nextFetch.IsZero() {
		refreshing = s.startRefresh()
	}
	s.mu.Unlock()
	if refreshing != nil {
		wait(refreshing, seconds(s.initWait))
	}
	return s.publish(s.clock())
}

// Current is the decision now. deadline, when not zero, is the invocation's: a refresh
// is waited for at most a tenth of the time left.
func (s *Source) Current(deadline time.Time) Decision {
	state := s.state.Load()
	now := s.clock()
	if now.Before(state.until) {
		return state.decision
	}
	return s.revalidate(now, deadline)
}

func (s *Source) revalidate(now, deadline time.Time) Decision {
	s.mu.Lock()
	var started chan struct{}
	if !now.Before(s.nextFetch) && s.refreshing == nil {
		started = s.startRefresh()
	}
	inFlight := s.refreshing != nil
	s.mu.Unlock()
	if started != nil {
		wait(started, s.waitBound(now, deadline))
		return s.publish(s.clock())
	}
	if inFlight {
		// Another invocation's refresh is under way: answer without waiting on its I/O.
		boundary := s.untilBoundary.Load()
		if boundary.decision.Reason != "" && (boundary.until.IsZero() || now.Before(boundary.until)) {
			return boundary.decision
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.evaluate(now)
	}
	return s.publish(now)
}

func (s *Source) waitBound(now, deadline time.Time) time.Duration {
	if deadline.IsZero() {
		return seconds(s.refreshWait)
	}
	remaining := deadline.Sub(now).Seconds()
	return seconds(max(0, min(s.refreshWait, remaining*ShareOfRemainingTime)))
}

// startRefresh is called with the lock held.
func (s *Source) startRefresh() chan struct{} {
	done := make(chan struct{})
	s.refreshing = done
	go s.refresh(done)
	return done
}

func (s *Source) refresh(done chan struct{}) {
	defer func() {
		s.mu.Lock()
		s.refreshing = nil
		s.mu.Unlock()
		close(done)
	}()
	s.read()
	s.publish(s.clock())
}

func (s *Source) publish(now time.Time) Decision {
	s.mu.Lock()
	defer s.mu.Unlock()
	decision := s.evaluate(now)
	s.untilBoundary.Store(&published{until: decision.Until, decision: decision})
	until := decision.Until
	if until.IsZero() || s.nextFetch.Before(until) {
		until = s.nextFetch
	}
	if until.IsZero() {
		until = time.Unix(0, 0) // nothing read yet: every call revalidates
	}
	s.state.Store(&published{until: until, decision: decision})
	return decision
}

// evaluate is called with the lock held.
func (s *Source) evaluate(now time.Time) Decision {
	if s.document == nil {
		return Decision{
			Defer:  s.failMode == config.FailMaintenance,
			Reason: "no window document has been read; GATE_FAIL_MODE=" + string(s.failMode),
		}
	}
	decision, err := Decide(*s.document, now)
	if err != nil {
		return Decision{Defer: s.failMode == config.FailMaintenance, Reason: "the window cannot be evaluated: " + err.Error()}
	}
	return decision
}

func (s *Source) read() {
	s.FetchCount.Add(1)
	text, err := s.fetch(context.Background())
	var delay float64
	s.mu.Lock()
	defer func() {
		s.nextFetch = s.clock().Add(seconds(delay))
		s.mu.Unlock()
	}()
	base := s.ttl
	if s.document == nil {
		base = min(s.ttl, RetryWithoutDocumentSeconds)
	}
	if err != nil {
		s.noteFailure(errorCode(err), err.Error())
		s.failures++
		// TTL 0 (a read per invocation, for tests) keeps reading at once; any other TTL backs off.
		ceiling := min(MaxBackoffSeconds, base*math.Pow(2, float64(s.failures)))
		delay = s.uniform(ceiling/2, ceiling)
		return
	}
	if text != s.text || s.document == nil {
		document, parseErr := ParseDocument(text)
		if parseErr != nil {
			// The read itself worked: no backoff, the next edit is picked up one TTL later.
			s.noteFailure("InvalidDocument", parseErr.Error())
			delay = base
			return
		}
		s.logChange(document)
		s.document, s.text = &document, text
	}
	s.noteRecovery()
	s.failures = 0
	delay = max(0, s.ttl*s.uniform(1-TTLJitter, 1))
}

func errorCode(err error) string {
	var coded CodedError
	if errors.As(err, &coded) && coded.Code() != "" {
		return coded.Code()
	}
	return "ParameterReadError"
}

func (s *Source) logChange(document Document) {
	s.log.Log("INFO", "window document loaded",
		telemetry.F("mode", string(document.Mode)),
		telemetry.F("windows", len(document.Windows)),
		telemetry.F("recurring", len(document.Recurring)),
		telemetry.F("first_load", s.document == nil))
}

func (s *Source) noteFailure(kind, detail string) {
	s.log.Metric("ConfigErrors", 1, "", telemetry.F("ErrorType", kind))
	if kind != s.failure {
		keeping := "GATE_FAIL_MODE=" + string(s.failMode)
		if s.document != nil {
			keeping = "the last good document"
		}
		s.log.Log("WARNING", "window document refresh failed",
			telemetry.F("error", kind), telemetry.F("detail", detail), telemetry.F("using", keeping))
		s.failure = kind
	}
}

func (s *Source) noteRecovery() {
	if s.failure != "" {
		s.log.Log("INFO", "window document refresh recovered", telemetry.F("previous_error", s.failure))
		s.failure = ""
	}
}

// Settled waits up to timeout for a refresh under way; true when none is left running.
func (s *Source) Settled(timeout time.Duration) bool {
	s.mu.Lock()
	refreshing := s.refreshing
	s.mu.Unlock()
	return refreshing == nil || wait(refreshing, timeout)
}

func wait(done chan struct{}, timeout time.Duration) bool {
	if timeout <= 0 {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-done:
		return true
	case <-timer.C:
		return false
	}
}

func seconds(value float64) time.Duration { return time.Duration(value * float64(time.Second)) }
