// Package config reads the gate's GATE_* settings from the environment: the same
// names, defaults, bounds and error messages as gate/config.py, so one function's
// settings mean the same thing whichever runtime it uses.
package config

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
)

// Error is gate.config.GateConfigError: a GATE_* variable is missing or unusable.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

// FailMode is what the gate decides when the window cannot be read.
type FailMode string

// OnDefer is how a stored event's invocation ends: answered, or failed.
type OnDefer string

// OnHTTP is what an HTTP caller is told inside a window: 503 and nothing kept, or 202 and the request kept.
type OnHTTP string

// OnOrdered is what Kinesis, DynamoDB Streams and SQS FIFO get: fail so the source keeps order, or store.
type OnOrdered string

// The settings' values, as gate.config's enums spell them.
const (
	FailLive         FailMode  = "live"
	FailMaintenance  FailMode  = "maintenance"
	OnDeferRespond   OnDefer   = "respond"
	OnDeferError     OnDefer   = "error"
	OnHTTPReject     OnHTTP    = "reject"
	OnHTTPAccept     OnHTTP    = "accept"
	OnOrderedHold    OnOrdered = "hold"
	OnOrderedDefer   OnOrdered = "defer"
	DefaultInlineMax           = 350_000 // DynamoDB caps an item at 400 KB; the rest of the record needs room
)

// Config is gate.config.GateConfig. Durations are in seconds, as there.
type Config struct {
	ParameterName      string
	TableName          string
	OverflowBucket     string // "" when not set
	CacheTTLSeconds    float64
	FailMode           FailMode
	OnDefer            OnDefer
	OnHTTP             OnHTTP
	OnOrdered          OnOrdered
	InlineLimitBytes   int
	SSMConnectTimeout  float64
	SSMReadTimeout     float64
	RefreshWaitSeconds float64
	InitWaitSeconds    float64
	SharedCacheDir     string // "" when off
}

// Defaults are GateConfig's field defaults, with no parameter or table.
var Defaults = Config{
	CacheTTLSeconds:    10.0,
	FailMode:           FailLive,
	OnDefer:            OnDeferRespond,
	OnHTTP:             OnHTTPReject,
	OnOrdered:          OnOrderedHold,
	InlineLimitBytes:   DefaultInlineMax,
	SSMConnectTimeout:  1.0,
	SSMReadTimeout:     1.0,
	RefreshWaitSeconds: 0.2,
	InitWaitSeconds:    0.5,
}

// Environ is the process environment as a map, for FromEnv.
func Environ() map[string]string {
	env := map[string]string{}
	for _, pair := range os.Environ() {
		if name, value, ok := strings.Cut(pair, "="); ok {
			env[name] = value
		}
	}
	return env
}

// FromEnv is GateConfig.from_env: each setting read and checked in the same order,
// so the first bad one is the one named.
func FromEnv(env map[string]string) (Config, error) {
	c := Defaults
	var err error
	if c.ParameterName, err = Required(env, "GATE_PARAMETER_NAME"); err != nil {
		return Config{}, err
	}
	if c.TableName, err = Required(env, "GATE_TABLE_NAME"); err != nil {
		return Config{}, err
	}
	c.OverflowBucket = env["GATE_OVERFLOW_BUCKET"]
	if c.CacheTTLSeconds, err = Number(env, "GATE_CACHE_TTL_SECONDS", Defaults.CacheTTLSeconds, 0.0, 3600.0); err != nil {
		return Config{}, err
	}
	var raw string
	if raw, err = choice(env, "GATE_FAIL_MODE", string(Defaults.FailMode), FailLive, FailMaintenance); err != nil {
		return Config{}, err
	}
	c.FailMode = FailMode(raw)
	if raw, err = choice(env, "GATE_ON_DEFER", string(Defaults.OnDefer), OnDeferRespond, OnDeferError); err != nil {
		return Config{}, err
	}
	c.OnDefer = OnDefer(raw)
	if raw, err = choice(env, "GATE_ON_HTTP", string(Defaults.OnHTTP), OnHTTPReject, OnHTTPAccept); err != nil {
		return Config{}, err
	}
	c.OnHTTP = OnHTTP(raw)
	if raw, err = choice(env, "GATE_ON_ORDERED", string(Defaults.OnOrdered), OnOrderedHold, OnOrderedDefer); err != nil {
		return Config{}, err
	}
	c.OnOrdered = OnOrdered(raw)
	inline, err := Number(env, "GATE_INLINE_LIMIT_BYTES", DefaultInlineMax, 1024, DefaultInlineMax)
	if err != nil {
		return Config{}, err
	}
	c.InlineLimitBytes = int(inline)
	if c.SSMConnectTimeout, err = Number(env, "GATE_SSM_CONNECT_TIMEOUT_SECONDS", Defaults.SSMConnectTimeout, 0.1, 10.0); err != nil {
		return Config{}, err
	}
	if c.SSMReadTimeout, err = Number(env, "GATE_SSM_READ_TIMEOUT_SECONDS", Defaults.SSMReadTimeout, 0.1, 10.0); err != nil {
		return Config{}, err
	}
	if c.RefreshWaitSeconds, err = milliseconds(env, "GATE_REFRESH_WAIT_MS", Defaults.RefreshWaitSeconds, 1000); err != nil {
		return Config{}, err
	}
	if c.InitWaitSeconds, err = milliseconds(env, "GATE_INIT_WAIT_MS", Defaults.InitWaitSeconds, 5000); err != nil {
		return Config{}, err
	}
	if c.SharedCacheDir, err = sharedCacheDir(env); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Required is gate.config.required_setting with the gate's hint.
func Required(env map[string]string, name string) (string, error) {
	value := pyjson.Strip(env[name])
	if value == "" {
		return "", &Error{name + " is not set; the gate needs it (see docs/how-it-works.md, Settings)"}
	}
	return value, nil
}

// Number is gate.config.number_setting: Python's float() of the text, within [low, high].
func Number(env map[string]string, name string, fallback, low, high float64) (float64, error) {
	raw, ok := env[name]
	if !ok || pyjson.Strip(raw) == "" {
		return fallback, nil
	}
	value, ok := PyFloat(raw)
	if !ok {
		return 0, &Error{fmt.Sprintf("%s=%s is not a number", name, pyjson.StringRepr(raw))}
	}
	if !(low <= value && value <= high) {
		return 0, &Error{fmt.Sprintf("%s=%s must be between %s and %s", name, pyjson.StringRepr(raw), formatG(low), formatG(high))}
	}
	return value, nil
}

// milliseconds is a wait given in milliseconds (as Lambda's own settings are), held in seconds.
func milliseconds(env map[string]string, name string, fallbackSeconds, high float64) (float64, error) {
	value, err := Number(env, name, fallbackSeconds*1000, 0, high)
	return value / 1000, err
}

func sharedCacheDir(env map[string]string) (string, error) {
	raw := pyjson.Strip(env["GATE_SHARED_CACHE_DIR"])
	if strings.ToLower(raw) == "off" {
		return "", nil
	}
	if raw != "" {
		if !strings.HasPrefix(raw, "/") {
			return "", &Error{fmt.Sprintf("GATE_SHARED_CACHE_DIR=%s must be an absolute path, or off", pyjson.StringRepr(raw))}
		}
		return raw, nil
	}
	if env["AWS_LAMBDA_MAX_CONCURRENCY"] != "" {
		return "/tmp", nil
	}
	return "", nil
}

func choice[T ~string](env map[string]string, name, fallback string, members ...T) (string, error) {
	raw, ok := env[name]
	if !ok || pyjson.Strip(raw) == "" {
		return fallback, nil
	}
	wanted := strings.ToLower(pyjson.Strip(raw))
	accepted := make([]string, len(members))
	for i, member := range members {
		accepted[i] = string(member)
		if wanted == string(member) {
			return wanted, nil
		}
	}
	return "", &Error{fmt.Sprintf("%s=%s must be one of %s", name, pyjson.StringRepr(raw), strings.Join(accepted, ", "))}
}

// PyFloat is Python's float(text): surrounding whitespace, underscores between digits,
// inf, infinity and nan in any case; no hexadecimal.
func PyFloat(text string) (float64, bool) {
	s := pyjson.Strip(text)
	if s == "" {
		return 0, false
	}
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 {
		return 0, false
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		if strings.HasPrefix(s, "-") {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case "nan":
		return math.NaN(), true
	}
	var clean strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E', c == '+', c == '-':
			clean.WriteByte(c)
		case c == '_':
			if i == 0 || i == len(s)-1 || !isDigit(s[i-1]) || !isDigit(s[i+1]) {
				return 0, false
			}
		default:
			return 0, false
		}
	}
	value, err := strconv.ParseFloat(clean.String(), 64)
	if err != nil {
		if numErr, ok := err.(*strconv.NumError); !ok || numErr.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return value, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// formatG is Python's format(value, "g").
func formatG(value float64) string {
	return strconv.FormatFloat(value, 'g', 6, 64)
}
