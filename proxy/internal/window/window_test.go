package window_test

import (
	"errors"
	"testing"
	"time"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/vectors"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/window"
)

type windowVectors struct {
	Decisions []struct {
		Name     string `json:"name"`
		Document string `json:"document"`
		Now      string `json:"now"`
		Decision struct {
			Defer  bool    `json:"defer"`
			Reason string  `json:"reason"`
			Window *string `json:"window"`
			Until  *string `json:"until"`
		} `json:"decision"`
	} `json:"decisions"`
	Errors []struct {
		Name     string `json:"name"`
		Document string `json:"document"`
		Field    string `json:"field"`
		Message  string `json:"message"`
	} `json:"errors"`
	Valid []struct {
		Name     string `json:"name"`
		Document string `json:"document"`
		Parsed   any    `json:"parsed"`
	} `json:"valid"`
}

func load(t *testing.T) windowVectors {
	var v windowVectors
	vectors.Load(t, "window.json", &v)
	if len(v.Decisions) == 0 || len(v.Errors) == 0 || len(v.Valid) == 0 {
		t.Fatal("window.json holds no vectors")
	}
	return v
}

func TestDecidesAsPythonAtEveryInstant(t *testing.T) {
	for _, c := range load(t).Decisions {
		document, err := window.ParseDocument(c.Document)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		now, err := time.Parse(time.RFC3339Nano, c.Now)
		if err != nil {
			t.Fatal(err)
		}
		got, err := window.Decide(document, now)
		if err != nil {
			t.Errorf("%s at %s: %v", c.Name, c.Now, err)
			continue
		}
		want := c.Decision
		until := ""
		if !got.Until.IsZero() {
			until = window.Isoformat(got.Until)
		}
		if got.Defer != want.Defer || got.Reason != want.Reason || got.Window != deref(want.Window) || until != deref(want.Until) {
			t.Errorf("%s at %s: got %+v (until %q), Python %+v (until %q)", c.Name, c.Now, got, until, want, deref(want.Until))
		}
	}
}

func TestRefusesEachMalformedDocumentNamingTheFieldAsPythonDoes(t *testing.T) {
	for _, c := range load(t).Errors {
		_, err := window.ParseDocument(c.Document)
		var documentError *window.DocumentError
		if !errors.As(err, &documentError) {
			t.Errorf("%s: got %v, Python refuses it: %s", c.Name, err, c.Message)
			continue
		}
		if documentError.Field != c.Field || err.Error() != c.Message {
			t.Errorf("%s:\n got  %s (field %s)\n want %s (field %s)", c.Name, err, documentError.Field, c.Message, c.Field)
		}
	}
}

func TestParsesValidDocumentsToPythonsCanonicalForm(t *testing.T) {
	for _, c := range load(t).Valid {
		document, err := window.ParseDocument(c.Document)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		got := vectors.Canonical(t, pyjson.Dumps(document.ToJSON(), pyjson.Compact))
		if want := vectors.CanonicalValue(t, c.Parsed); got != want {
			t.Errorf("%s:\n got  %s\n want %s", c.Name, got, want)
		}
	}
}

func TestRetryAfterRoundsUpToWholeSecondsAndIsAtLeastOne(t *testing.T) {
	until := time.Date(2026, 12, 1, 23, 0, 0, 500_000_000, time.UTC)
	decision := window.Decision{Defer: true, Until: until}
	cases := map[float64]int64{
		window.Timestamp(until) - 1800.25: 1801,
		window.Timestamp(until) - 0.001:   1,
		window.Timestamp(until) + 60:      1,
	}
	for now, want := range cases {
		if got, ok := decision.RetryAfterSeconds(now); !ok || got != want {
			t.Errorf("at %f: %d, want %d", now, got, want)
		}
	}
	if _, ok := (window.Decision{Defer: true}).RetryAfterSeconds(0); ok {
		t.Error("no end, yet a Retry-After")
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
