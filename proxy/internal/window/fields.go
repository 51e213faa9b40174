package window

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
)

// Years outside this range are typos (2062 for 2026 stays allowed, 20266 does not).
const (
	MinYear = 2000
	MaxYear = 2199
)

// DayNames are the document's day names, Monday first (0 = Monday, as Python's weekday()).
var DayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// DocumentError is a malformed window document: the field, the bad value and the
// problem, worded exactly as gate.window.fields.WindowDocumentError.
type DocumentError struct {
	Field   string
	Value   pyjson.Value
	Problem string
}

func (e *DocumentError) Error() string {
	return fmt.Sprintf("%s: %s (got %s)", e.Field, e.Problem, show(e.Value))
}

func fieldError(field string, value pyjson.Value, problem string) *DocumentError {
	return &DocumentError{Field: field, Value: value, Problem: problem}
}

// TimeOfDay is a local wall time, in seconds after midnight.
type TimeOfDay int

// Clock is the time of day's hours, minutes and seconds.
func (t TimeOfDay) Clock() (hour, minute, second int) {
	return int(t) / 3600, int(t) / 60 % 60, int(t) % 60
}

// String is gate.window.fields.format_time: HH:MM, or HH:MM:SS when it has seconds.
func (t TimeOfDay) String() string {
	h, m, s := t.Clock()
	if s != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// ParseInstant is an ISO-8601 instant with an explicit UTC offset, returned in UTC,
// accepting exactly what gate.window.fields.parse_instant accepts.
func ParseInstant(value pyjson.Value, field string) (time.Time, error) {
	text, ok := value.(string)
	if !ok {
		return time.Time{}, fieldError(field, value, "must be an ISO-8601 string with a UTC offset")
	}
	m, ok := matchInstant(pyjson.Runes(pyjson.Strip(text)))
	if !ok {
		return time.Time{}, fieldError(field, value, "is not an ISO-8601 date-time such as 2026-12-01T22:00:00+00:00")
	}
	if m.offset == nil {
		return time.Time{}, fieldError(field, value, "has no UTC offset; add one such as +00:00 or Z")
	}
	parsed, ok := m.instant()
	if !ok {
		return time.Time{}, fieldError(field, value, "is not a valid date-time")
	}
	if parsed.year < MinYear || parsed.year > MaxYear {
		return time.Time{}, fieldError(field, value, fmt.Sprintf("year must be between %d and %d", MinYear, MaxYear))
	}
	return parsed.utc, nil
}

// instantMatch holds the groups of fields.py's _ISO_INSTANT.
type instantMatch struct {
	date, clock, fraction, offset []rune
}

// matchInstant is _ISO_INSTANT.match: YYYY-MM-DD, T or a space, HH:MM[:SS[.f...]], then
// Z or ±HH:MM. Python's \d matches any Unicode decimal digit, so this does too.
func matchInstant(s []rune) (instantMatch, bool) {
	var m instantMatch
	i := 0
	digits := func(n int) bool {
		for k := 0; k < n; k++ {
			if i >= len(s) || !unicode.IsDigit(s[i]) {
				return false
			}
			i++
		}
		return true
	}
	literal := func(set string) bool {
		if i < len(s) && strings.ContainsRune(set, s[i]) {
			i++
			return true
		}
		return false
	}
	start := i
	if !digits(4) || !literal("-") || !digits(2) || !literal("-") || !digits(2) {
		return m, false
	}
	m.date = s[start:i]
	if !literal("Tt ") {
		return m, false
	}
	start = i
	if !digits(2) || !literal(":") || !digits(2) {
		return m, false
	}
	if mark := i; literal(":") && !digits(2) {
		i = mark
	}
	m.clock = s[start:i]
	if i < len(s) && s[i] == '.' {
		mark := i
		i++
		n := 0
		for i < len(s) && unicode.IsDigit(s[i]) && n < 6 {
			i++
			n++
		}
		if n == 0 {
			i = mark
		} else {
			m.fraction = s[mark:i]
		}
	}
	if i < len(s) {
		start = i
		switch {
		case literal("Zz"):
			m.offset = s[start:i]
		case literal("+-") && digits(2) && literal(":") && digits(2):
			m.offset = s[start:i]
		default:
			return m, false
		}
	}
	// $ also matches before one final newline, but the text was stripped.
	return m, i == len(s)
}

type parsedInstant struct {
	year int
	utc  time.Time
}

// instant is datetime.fromisoformat of the normalised text: only ASCII digits, a real
// calendar date and clock, and an offset strictly within a day.
func (m instantMatch) instant() (parsedInstant, bool) {
	number := func(runes []rune) (int, bool) {
		n := 0
		for _, r := range runes {
			if r < '0' || r > '9' {
				return 0, false
			}
			n = n*10 + int(r-'0')
		}
		return n, true
	}
	parts := []int{}
	for _, piece := range [][]rune{m.date[0:4], m.date[5:7], m.date[8:10], m.clock[0:2], m.clock[3:5]} {
		n, ok := number(piece)
		if !ok {
			return parsedInstant{}, false
		}
		parts = append(parts, n)
	}
	second := 0
	if len(m.clock) == 8 {
		n, ok := number(m.clock[6:8])
		if !ok {
			return parsedInstant{}, false
		}
		second = n
	}
	micro := 0
	if m.fraction != nil {
		digits := string(m.fraction[1:]) + strings.Repeat("0", 7-len(m.fraction))
		n, ok := number([]rune(digits))
		if !ok {
			return parsedInstant{}, false
		}
		micro = n
	}
	year, month, day, hour, minute := parts[0], parts[1], parts[2], parts[3], parts[4]
	if year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
		hour > 23 || minute > 59 || second > 59 {
		return parsedInstant{}, false
	}
	offset := 0
	if m.offset[0] == '+' || m.offset[0] == '-' {
		oh, ok1 := number(m.offset[1:3])
		om, ok2 := number(m.offset[4:6])
		if !ok1 || !ok2 {
			return parsedInstant{}, false
		}
		offset = oh*3600 + om*60
		if offset >= 86400 {
			return parsedInstant{}, false
		}
		if m.offset[0] == '-' {
			offset = -offset
		}
	}
	local := time.Date(year, time.Month(month), day, hour, minute, second, micro*1000, time.UTC)
	return parsedInstant{year: year, utc: local.Add(-time.Duration(offset) * time.Second)}, true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// ParseDays is gate.window.fields.parse_days: a non-empty list of day names, each once.
func ParseDays(value pyjson.Value, path string) ([]int, error) {
	list, ok := value.([]pyjson.Value)
	if !ok || len(list) == 0 {
		return nil, fieldError(path, value, "must be a non-empty list of "+strings.Join(DayNames, ", "))
	}
	seen := [7]bool{}
	for position, item := range list {
		day, ok := item.(string)
		index := dayIndex(day)
		if !ok || index < 0 {
			return nil, fieldError(fmt.Sprintf("%s[%d]", path, position), item, "must be one of "+strings.Join(DayNames, ", "))
		}
		if seen[index] {
			return nil, fieldError(fmt.Sprintf("%s[%d]", path, position), item, "is listed twice")
		}
		seen[index] = true
	}
	days := []int{}
	for index, on := range seen {
		if on {
			days = append(days, index)
		}
	}
	return days, nil
}

func dayIndex(name string) int {
	for index, day := range DayNames {
		if day == name {
			return index
		}
	}
	return -1
}

// ParseTimeOfDay is gate.window.fields.parse_time_of_day: HH:MM or HH:MM:SS, 00:00 to 23:59:59.
func ParseTimeOfDay(value pyjson.Value, path string) (TimeOfDay, error) {
	text, ok := value.(string)
	if ok {
		if t, ok := matchTimeOfDay(pyjson.Runes(text)); ok {
			return t, nil
		}
	}
	return 0, fieldError(path, value, "must be a local time HH:MM or HH:MM:SS (00:00 to 23:59:59)")
}

// matchTimeOfDay is _TIME_OF_DAY.match and int() of its groups; like Python, \d and int()
// take any Unicode decimal digit, and $ matches before one final newline.
func matchTimeOfDay(s []rune) (TimeOfDay, bool) {
	if len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	if len(s) != 5 && len(s) != 8 {
		return 0, false
	}
	hourTens, hourOnes := s[0], s[1]
	var hour int
	switch {
	case (hourTens == '0' || hourTens == '1') && unicode.IsDigit(hourOnes):
		hour = int(hourTens-'0')*10 + digitValue(hourOnes)
	case hourTens == '2' && hourOnes >= '0' && hourOnes <= '3':
		hour = 20 + int(hourOnes-'0')
	default:
		return 0, false
	}
	sixty := func(tens, ones rune) (int, bool) {
		if tens < '0' || tens > '5' || !unicode.IsDigit(ones) {
			return 0, false
		}
		return int(tens-'0')*10 + digitValue(ones), true
	}
	if s[2] != ':' {
		return 0, false
	}
	minute, ok := sixty(s[3], s[4])
	if !ok {
		return 0, false
	}
	second := 0
	if len(s) == 8 {
		if s[5] != ':' {
			return 0, false
		}
		if second, ok = sixty(s[6], s[7]); !ok {
			return 0, false
		}
	}
	return TimeOfDay(hour*3600 + minute*60 + second), true
}

// digitValue is a Unicode decimal digit's value: digits come in runs of whole blocks of ten.
func digitValue(r rune) int {
	start := r
	for unicode.IsDigit(start - 1) {
		start--
	}
	return int(r-start) % 10
}

// CheckZone is gate.window.fields.check_zone: a zone of the tzdata the layer ships.
func CheckZone(value pyjson.Value, path string) error {
	name, ok := value.(string)
	if !ok || !shippedZones()[name] {
		return fieldError(path, value, "is not a known IANA time zone")
	}
	return nil
}

// zones.txt is the tzdata package's own list (tzdata/zones), copied by
// tests/vectors/generate.py, so both languages know the same zones.
//
//go:embed zones.txt
var zonesText string

var shippedZones = sync.OnceValue(func() map[string]bool {
	zones := map[string]bool{}
	for _, line := range strings.Split(zonesText, "\n") {
		if name := strings.TrimSpace(line); name != "" {
			zones[name] = true
		}
	}
	return zones
})

// clip is gate.window.fields.clip: at most 80 characters, then "...".
func clip(text string) string {
	if pyjson.Len(text) <= 80 {
		return text
	}
	return pyjson.Slice(text, 80) + "..."
}

// show is gate.window.fields.show: the repr of a value, a string clipped first.
func show(value pyjson.Value) string {
	if text, ok := value.(string); ok {
		return pyjson.StringRepr(clip(text))
	}
	return pyjson.Repr(value)
}
