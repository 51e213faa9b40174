package window_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/config"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/telemetry"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/vectors"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/window"
)

type cacheVectors struct {
	T0                 float64 `json:"t0"`
	RefreshWaitSeconds float64 `json:"refresh_wait_seconds"`
	InitWaitSeconds    float64 `json:"init_wait_seconds"`
	Scenarios          []struct {
		Name     string  `json:"name"`
		TTL      float64 `json:"ttl"`
		FailMode string  `json:"fail_mode"`
		Reads    []struct {
			Kind string   `json:"kind"`
			Args []string `json:"args"`
		} `json:"reads"`
		Results []struct {
			Operation string   `json:"operation"`
			At        float64  `json:"at"`
			Decision  decision `json:"decision"`
			Reads     int64    `json:"reads"`
			Lines     []string `json:"lines"`
		} `json:"results"`
	} `json:"scenarios"`
}

type decision struct {
	Defer  bool    `json:"defer"`
	Reason string  `json:"reason"`
	Window *string `json:"window"`
	Until  *string `json:"until"`
}

// awsError is a read failure that names its AWS error code, as the SSM client's do.
type awsError struct{ code, message string }

func (e awsError) Error() string { return e.message }
func (e awsError) Code() string  { return e.code }

func epoch(seconds float64) time.Time { return time.UnixMicro(int64(seconds * 1e6)) }

// withoutDetail drops the failure line's "detail": each SDK words its errors its own way
// (botocore's "An error occurred (...)", smithy's "operation error SSM: ..."); the code,
// which is what the line and the metric are keyed by, is compared.
func withoutDetail(t *testing.T, lines []string) []string {
	out := make([]string, len(lines))
	for i, line := range lines {
		value, err := pyjson.Decode(line)
		if err != nil {
			t.Fatal(err)
		}
		if object, ok := value.(*pyjson.Object); ok {
			object.Delete("detail")
		}
		out[i] = pyjson.Dumps(value, pyjson.Compact)
	}
	return out
}

func TestTheCacheReadsBacksOffAndLogsAsPythonsDoesStepByStep(t *testing.T) {
	var v cacheVectors
	vectors.Load(t, "cache.json", &v)
	if len(v.Scenarios) == 0 {
		t.Fatal("cache.json holds no scenarios")
	}
	for _, scenario := range v.Scenarios {
		var mu sync.Mutex
		now := epoch(v.T0)
		clock := func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			return now
		}
		reads := scenario.Reads
		fetch := func(context.Context) (string, error) {
			mu.Lock()
			defer mu.Unlock()
			if len(reads) == 0 {
				t.Errorf("%s: more reads than Python made", scenario.Name)
				return "", awsError{"Unexpected", "no scripted read left"}
			}
			read := reads[0]
			reads = reads[1:]
			if read.Kind == "error" {
				return "", awsError{read.Args[0], read.Args[1]}
			}
			return read.Args[0], nil
		}
		cfg := config.Defaults
		cfg.CacheTTLSeconds = scenario.TTL
		cfg.FailMode = config.FailMode(scenario.FailMode)
		cfg.RefreshWaitSeconds, cfg.InitWaitSeconds = v.RefreshWaitSeconds, v.InitWaitSeconds
		var out bytes.Buffer
		logger := telemetry.New(&out, map[string]string{}).WithClock(clock)
		source := window.NewSource(fetch, cfg, logger).WithClock(clock, func(a, b float64) float64 { return a + (b-a)*0.5 })
		for _, step := range scenario.Results {
			mu.Lock()
			now = epoch(v.T0 + step.At)
			mu.Unlock()
			out.Reset()
			var got window.Decision
			if step.Operation == "prime" {
				got = source.Prime()
			} else {
				got = source.Current(time.Time{})
			}
			if !source.Settled(10 * time.Second) {
				t.Fatalf("%s at %.3f: a refresh did not finish", scenario.Name, step.At)
			}
			name := scenario.Name + " " + step.Operation + " at " + strings.TrimRight(strings.TrimRight(pyjson.FloatRepr(step.At), "0"), ".")
			until := ""
			if !got.Until.IsZero() {
				until = window.Isoformat(got.Until)
			}
			want := step.Decision
			if got.Defer != want.Defer || got.Reason != want.Reason || got.Window != deref(want.Window) || until != deref(want.Until) {
				t.Errorf("%s: decision %+v (until %q), Python %+v (until %q)", name, got, until, want, deref(want.Until))
			}
			if count := source.FetchCount.Load(); count != step.Reads {
				t.Errorf("%s: %d reads, Python %d", name, count, step.Reads)
			}
			var lines []string
			if text := strings.TrimSuffix(out.String(), "\n"); text != "" {
				lines = strings.Split(text, "\n")
			}
			gotLines, wantLines := withoutDetail(t, lines), withoutDetail(t, step.Lines)
			if strings.Join(gotLines, "\n") != strings.Join(wantLines, "\n") {
				t.Errorf("%s: lines\n got  %q\n want %q", name, gotLines, wantLines)
			}
		}
	}
}
