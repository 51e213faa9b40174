package config_test

import (
	"testing"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/config"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/vectors"
)

type settingsVector struct {
	Name   string            `json:"name"`
	Env    map[string]string `json:"env"`
	Config map[string]any    `json:"config"`
	Error  *string           `json:"error"`
}

// asPython names the settings as GateConfig's fields, for comparing with the vectors.
func asPython(c config.Config) map[string]any {
	none := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	return map[string]any{
		"parameter_name":       c.ParameterName,
		"table_name":           c.TableName,
		"overflow_bucket":      none(c.OverflowBucket),
		"cache_ttl_seconds":    c.CacheTTLSeconds,
		"fail_mode":            string(c.FailMode),
		"on_defer":             string(c.OnDefer),
		"on_http":              string(c.OnHTTP),
		"on_ordered":           string(c.OnOrdered),
		"inline_limit_bytes":   c.InlineLimitBytes,
		"ssm_connect_timeout":  c.SSMConnectTimeout,
		"ssm_read_timeout":     c.SSMReadTimeout,
		"refresh_wait_seconds": c.RefreshWaitSeconds,
		"init_wait_seconds":    c.InitWaitSeconds,
		"shared_cache_dir":     none(c.SharedCacheDir),
	}
}

func TestReadsSettingsAsPythonDoes(t *testing.T) {
	var cases []settingsVector
	vectors.Load(t, "settings.json", &cases)
	if len(cases) == 0 {
		t.Fatal("no vectors")
	}
	for _, c := range cases {
		got, err := config.FromEnv(c.Env)
		if c.Error != nil {
			if err == nil || err.Error() != *c.Error {
				t.Errorf("%s: got %v, Python: %s", c.Name, err, *c.Error)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v; Python accepts it", c.Name, err)
			continue
		}
		gotText := vectors.CanonicalValue(t, asPython(got))
		if want := vectors.CanonicalValue(t, c.Config); gotText != want {
			t.Errorf("%s:\n got  %s\n want %s", c.Name, gotText, want)
		}
	}
}
