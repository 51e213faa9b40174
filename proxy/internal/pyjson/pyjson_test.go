package pyjson_test

import (
	"testing"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/vectors"
)

type jsonVector struct {
	Text      string  `json:"text"`
	Error     *string `json:"error"`
	Compact   string  `json:"compact"`
	Default   string  `json:"default"`
	Unescaped *string `json:"unescaped"`
	Repr      string  `json:"repr"`
}

func TestReadsAndWritesJSONAsPythonDoes(t *testing.T) {
	var cases []jsonVector
	vectors.Load(t, "json.json", &cases)
	if len(cases) == 0 {
		t.Fatal("no vectors")
	}
	for _, c := range cases {
		value, err := pyjson.Decode(c.Text)
		if c.Error != nil {
			if err == nil || err.Error() != *c.Error {
				t.Errorf("%q: error %v, Python says %q", c.Text, err, *c.Error)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v; Python reads it", c.Text, err)
			continue
		}
		if got := pyjson.Dumps(value, pyjson.Compact); got != c.Compact {
			t.Errorf("%q compact: %s, Python %s", c.Text, got, c.Compact)
		}
		if got := pyjson.Dumps(value, pyjson.Default); got != c.Default {
			t.Errorf("%q default: %s, Python %s", c.Text, got, c.Default)
		}
		if c.Unescaped != nil {
			if got := pyjson.Dumps(value, pyjson.Style{ItemSeparator: ", ", KeySeparator: ": "}); got != *c.Unescaped {
				t.Errorf("%q unescaped: %s, Python %s", c.Text, got, *c.Unescaped)
			}
		}
		if got := pyjson.Repr(value); got != c.Repr {
			t.Errorf("%q repr: %s, Python %s", c.Text, got, c.Repr)
		}
	}
}

func TestObjectsKeepFirstPositionAndLastValue(t *testing.T) {
	value, err := pyjson.Decode(`{"a": 1, "b": 2, "a": 3}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := pyjson.Dumps(value, pyjson.Compact); got != `{"a":3,"b":2}` {
		t.Fatalf("got %s", got)
	}
}
