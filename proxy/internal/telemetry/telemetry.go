// Package telemetry writes the gate's structured log lines and CloudWatch Embedded
// Metric Format records with the same fields, names and levels as gate/telemetry.py,
// so one query and one dashboard serve functions of every runtime.
//
// Lambda filters JSON log lines by their "level" and "timestamp" keys, so every line
// carries both: log lines at their level (dropped below AWS_LAMBDA_LOG_LEVEL), EMF
// records at the least severe level the configuration keeps, never below INFO.
package telemetry

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
)

// Namespace is the EMF namespace of every metric; LoggerName the "logger" of every line.
const (
	Namespace  = "MaintenanceGate"
	LoggerName = "maintenance-gate"
)

// The gate's log messages and metric names, shared by both languages' dashboards.
const (
	Refused        = "invocation refused"
	Deferred       = "invocation deferred"
	DeferralFailed = "deferral failed"
	Rejections     = "Rejections"
	Deferrals      = "Deferrals"
	DeferralErrors = "DeferralErrors"
)

// Levels are Lambda's application log levels, most detailed first.
var Levels = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

// Field is one key and value of a log line or a metric's dimension, kept in order.
// Values are strings, ints, floats, bools, nil or pyjson values.
type Field struct {
	Key   string
	Value any
}

// F is a Field.
func F(key string, value any) Field { return Field{Key: key, Value: value} }

// UnknownLevelError is a level that is neither Lambda's nor Python's.
type UnknownLevelError struct{ Name string }

func (e *UnknownLevelError) Error() string {
	return fmt.Sprintf("log level %s is not one of %s", pyjson.StringRepr(e.Name), strings.Join(Levels, ", "))
}

// LambdaLevel is Lambda's name for a level: Python's WARNING and CRITICAL are WARN and FATAL.
func LambdaLevel(name string) (string, error) {
	upper := strings.ToUpper(name)
	switch upper {
	case "WARNING":
		upper = "WARN"
	case "CRITICAL":
		upper = "FATAL"
	}
	if levelIndex(upper) < 0 {
		return "", &UnknownLevelError{name}
	}
	return upper, nil
}

func levelIndex(level string) int {
	for i, l := range Levels {
		if l == level {
			return i
		}
	}
	return -1
}

// Filter is the application log level Lambda filters by: an index into Levels.
type Filter int

// FilterFromEnv reads AWS_LAMBDA_LOG_LEVEL; a value it does not know keeps everything,
// as awslambdaric ignores it: telemetry must never fail an invocation.
func FilterFromEnv(env map[string]string) Filter {
	raw := env["AWS_LAMBDA_LOG_LEVEL"]
	if raw == "" {
		raw = "TRACE"
	}
	level, err := LambdaLevel(raw)
	if err != nil {
		return 0
	}
	return Filter(levelIndex(level))
}

// Keeps says whether a line at this (Lambda) level is written.
func (f Filter) Keeps(level string) bool {
	return levelIndex(level) >= int(f)
}

// MetricLevel is the least severe level this filter keeps, and never below INFO.
func (f Filter) MetricLevel() string {
	return Levels[max(int(f), levelIndex("INFO"))]
}

// RFC3339 is telemetry.rfc3339: UTC to the millisecond, truncated.
func RFC3339(epochSeconds float64) string {
	millis := int64(epochSeconds * 1000)
	return time.UnixMilli(millis-millis%1000).UTC().Format("2006-01-02T15:04:05") + fmt.Sprintf(".%03dZ", millis%1000)
}

// LogLine is the JSON text of one log line (no newline), as telemetry.log writes it.
func LogLine(nowEpoch float64, level, message string, fields ...Field) string {
	record := pyjson.NewObject().
		Set("timestamp", RFC3339(nowEpoch)).
		Set("level", level).
		Set("logger", LoggerName).
		Set("message", message)
	for _, field := range fields {
		record.Set(field.Key, field.Value)
	}
	return pyjson.Dumps(record, pyjson.Compact)
}

// MetricLine is the JSON text of one EMF record (no newline), as telemetry.metric writes it.
func MetricLine(nowEpoch float64, level, name string, value any, unit string, dimensions ...Field) string {
	names := make([]string, len(dimensions))
	for i, d := range dimensions {
		names[i] = d.Key
	}
	sortStrings(names)
	dimensionSets := []pyjson.Value{names}
	directive := pyjson.NewObject().
		Set("Namespace", Namespace).
		Set("Dimensions", dimensionSets).
		Set("Metrics", []pyjson.Value{pyjson.NewObject().Set("Name", name).Set("Unit", unit)})
	aws := pyjson.NewObject().
		Set("Timestamp", int64(nowEpoch*1000)).
		Set("CloudWatchMetrics", []pyjson.Value{directive})
	record := pyjson.NewObject().
		Set("_aws", aws).
		Set("timestamp", RFC3339(nowEpoch)).
		Set("level", level).
		Set(name, value)
	for _, d := range dimensions {
		record.Set(d.Key, d.Value)
	}
	return pyjson.Dumps(record, pyjson.Compact)
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// Logger writes lines to one writer (the proxy's stderr), one write per line so
// concurrent writers never interleave a record.
type Logger struct {
	mu     sync.Mutex
	out    io.Writer
	filter Filter
	now    func() time.Time
}

// New is a Logger filtering as the environment's AWS_LAMBDA_LOG_LEVEL says.
func New(out io.Writer, env map[string]string) *Logger {
	return &Logger{out: out, filter: FilterFromEnv(env), now: time.Now}
}

// WithClock replaces the clock, for tests.
func (l *Logger) WithClock(now func() time.Time) *Logger {
	l.now = now
	return l
}

// Log is telemetry.log(message, level=level, **fields). An unknown level is written
// as INFO rather than failing the invocation.
func (l *Logger) Log(level, message string, fields ...Field) {
	lambda, err := LambdaLevel(level)
	if err != nil {
		lambda = "INFO"
	}
	if !l.filter.Keeps(lambda) {
		return
	}
	l.write(LogLine(l.epoch(), lambda, message, fields...))
}

// Metric is telemetry.metric(name, value, unit, **dimensions); unit "" is Count.
func (l *Logger) Metric(name string, value any, unit string, dimensions ...Field) {
	if unit == "" {
		unit = "Count"
	}
	l.write(MetricLine(l.epoch(), l.filter.MetricLevel(), name, value, unit, dimensions...))
}

func (l *Logger) epoch() float64 {
	return float64(l.now().UnixMicro()) / 1e6
}

func (l *Logger) write(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.out, line+"\n")
}
