package telemetry_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/telemetry"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/vectors"
)

type telemetryVector struct {
	Call     string   `json:"call"`
	Message  string   `json:"message"`
	Level    string   `json:"level"`
	LogLevel string   `json:"log_level"`
	Now      float64  `json:"now"`
	Name     string   `json:"name"`
	Unit     string   `json:"unit"`
	Lines    []string `json:"lines"`
}

// ordered reads a vector's object again keeping its key order, as Python passed the keywords.
func ordered(t *testing.T, text string) []telemetry.Field {
	value, err := pyjson.Decode(text)
	if err != nil {
		t.Fatal(err)
	}
	object, _ := value.(*pyjson.Object)
	var fields []telemetry.Field
	for _, key := range object.Keys {
		fields = append(fields, telemetry.F(key, object.Values[key]))
	}
	return fields
}

func TestWritesLinesAsPythonDoes(t *testing.T) {
	var cases []telemetryVector
	vectors.Load(t, "telemetry.json", &cases)
	if len(cases) == 0 {
		t.Fatal("no vectors")
	}
	// The field order matters: read each case's fields from the file's own text.
	var texts []struct {
		Fields     rawText `json:"fields"`
		Dimensions rawText `json:"dimensions"`
		Value      rawText `json:"value"`
	}
	vectors.Load(t, "telemetry.json", &texts)
	for i, c := range cases {
		var out bytes.Buffer
		env := map[string]string{"AWS_LAMBDA_LOG_LEVEL": c.LogLevel}
		at := time.UnixMicro(int64(c.Now * 1e6))
		logger := telemetry.New(&out, env).WithClock(func() time.Time { return at })
		if c.Call == "log" {
			logger.Log(c.Level, c.Message, ordered(t, string(texts[i].Fields))...)
		} else {
			value, err := pyjson.Decode(string(texts[i].Value))
			if err != nil {
				t.Fatal(err)
			}
			logger.Metric(c.Name, value, c.Unit, ordered(t, string(texts[i].Dimensions))...)
		}
		got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if out.Len() == 0 {
			got = nil
		}
		if strings.Join(got, "\n") != strings.Join(c.Lines, "\n") {
			t.Errorf("case %d (%s %s):\n got  %q\n want %q", i, c.Call, c.Message+c.Name, got, c.Lines)
		}
	}
}

type rawText []byte

func (r *rawText) UnmarshalJSON(data []byte) error {
	*r = append((*r)[:0], data...)
	return nil
}
