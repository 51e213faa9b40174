package window

import (
	"fmt"
	"math"
	"sort"
	"time"
	_ "time/tzdata" // the zones' rules travel with the binary, as the layer ships Python's tzdata

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
)

// horizonDays is how far ahead recurring windows are expanded: every recurring window
// occurs at least weekly, so eight days always reaches the next boundary of any one.
const horizonDays = 8

// Interval is one occurrence of a window.
type Interval struct {
	Start time.Time
	End   time.Time
	Label string
}

// Decision is what the gate does now. Until is when that may next change (zero: not
// by the clock); Window is the label of the window it is inside ("" when none).
type Decision struct {
	Defer  bool
	Reason string
	Window string
	Until  time.Time
}

// RetryAfterSeconds is whole seconds until the decision changes, rounded up, at least
// 1; ok is false when that is not known. Computed in float64 as Python computes it.
func (d Decision) RetryAfterSeconds(nowEpoch float64) (seconds int64, ok bool) {
	if d.Until.IsZero() {
		return 0, false
	}
	return max(1, int64(math.Ceil(Timestamp(d.Until)-nowEpoch))), true
}

// WindowOrReason is what a record and a refusal name: the window, else the reason.
func (d Decision) WindowOrReason() string {
	if d.Window != "" {
		return d.Window
	}
	return d.Reason
}

// Timestamp is Python's datetime.timestamp(): microseconds since the epoch over 10**6.
func Timestamp(t time.Time) float64 {
	return float64(t.UnixMicro()) / 1e6
}

// Isoformat is Python's isoformat() of a UTC datetime: microseconds only when non-zero.
func Isoformat(t time.Time) string {
	t = t.UTC()
	text := t.Format("2006-01-02T15:04:05")
	if micro := t.Nanosecond() / 1000; micro != 0 {
		text += fmt.Sprintf(".%06d", micro)
	}
	return text + "+00:00"
}

// Decide is gate.window.decide.decide: pure, a function of the document and the clock.
func Decide(document Document, now time.Time) (Decision, error) {
	now = now.UTC()
	switch document.Mode {
	case ModeMaintenance:
		return Decision{Defer: true, Reason: "mode is maintenance"}, nil
	case ModeLive:
		return Decision{Defer: false, Reason: "mode is live"}, nil
	}
	intervals, err := intervalsAround(document, now)
	if err != nil {
		return Decision{}, err
	}
	sort.SliceStable(intervals, func(i, j int) bool { return intervals[i].Start.Before(intervals[j].Start) })
	for _, interval := range intervals {
		if !interval.Start.After(now) && now.Before(interval.End) {
			end := endOfCoveredBlock(intervals, now)
			return Decision{Defer: true, Reason: "inside " + interval.Label, Window: interval.Label, Until: end}, nil
		}
	}
	decision := Decision{Defer: false, Reason: "outside every window"}
	for _, interval := range intervals {
		if interval.Start.After(now) && (decision.Until.IsZero() || interval.Start.Before(decision.Until)) {
			decision.Until = interval.Start
		}
	}
	return decision, nil
}

func intervalsAround(document Document, now time.Time) ([]Interval, error) {
	var intervals []Interval
	for index, window := range document.Windows {
		intervals = append(intervals, Interval{window.Start, window.End, label(fmt.Sprintf("windows[%d]", index), window.Name)})
	}
	for index, window := range document.Recurring {
		occurrences, err := recurringIntervals(window, index, now)
		if err != nil {
			return nil, err
		}
		intervals = append(intervals, occurrences...)
	}
	return intervals, nil
}

// recurringIntervals are a weekly window's occurrences from two days back to the
// horizon. A wall time in a spring-forward gap is read after the gap and one in a
// fall-back overlap means its first occurrence (Python's fold=0); a start the shift
// carries past the end starts at the clock jump instead.
func recurringIntervals(window RecurringWindow, index int, now time.Time) ([]Interval, error) {
	zone, err := time.LoadLocation(window.Timezone)
	if err != nil {
		return nil, fmt.Errorf("recurring[%d].timezone: %w", index, err)
	}
	name := label(fmt.Sprintf("recurring[%d]", index), window.Name)
	local := now.In(zone)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	var intervals []Interval
	for offset := -2; offset <= horizonDays; offset++ {
		day := today.AddDate(0, 0, offset)
		if !containsDay(window.Days, (int(day.Weekday())+6)%7) {
			continue
		}
		endDay := day
		if window.CrossesMidnight() {
			endDay = day.AddDate(0, 0, 1)
		}
		startWall := wallSeconds(day, window.Start)
		start := localInstant(startWall, zone, 0)
		end := localInstant(wallSeconds(endDay, window.End), zone, 0)
		if end <= start && inGap(startWall, zone) {
			start = clockJump(startWall, zone)
		}
		if end > start {
			intervals = append(intervals, Interval{time.Unix(start, 0).UTC(), time.Unix(end, 0).UTC(), name})
		}
	}
	return intervals, nil
}

func containsDay(days []int, day int) bool {
	for _, d := range days {
		if d == day {
			return true
		}
	}
	return false
}

// wallSeconds is a local date and time of day as seconds, read as if they were UTC.
func wallSeconds(day time.Time, at TimeOfDay) int64 {
	return day.Unix() + int64(at)
}

type zonePeriod struct {
	start, end int64 // UTC seconds; end is math.MaxInt64 when the zone goes on forever
	offset     int64
}

// periods are the zone's offsets in force around a wall time, two days either side.
func periods(wall int64, zone *time.Location) []zonePeriod {
	var out []zonePeriod
	at := time.Unix(wall-2*86400, 0).In(zone)
	for {
		_, offset := at.Zone()
		start, end := at.ZoneBounds()
		period := zonePeriod{start: math.MinInt64, end: math.MaxInt64, offset: int64(offset)}
		if !start.IsZero() {
			period.start = start.Unix()
		}
		if !end.IsZero() {
			period.end = end.Unix()
		}
		out = append(out, period)
		if end.IsZero() || end.Unix() > wall+2*86400 {
			return out
		}
		at = end.In(zone)
	}
}

// localInstant is datetime.combine(day, time, tzinfo=ZoneInfo(...)) with the given
// fold, as UTC seconds: in an overlap fold 0 is the first occurrence; in a gap fold 0
// reads the time with the offset before the gap (so after it) and fold 1 with the one after.
func localInstant(wall int64, zone *time.Location, fold int) int64 {
	all := periods(wall, zone)
	var matches []zonePeriod
	for _, p := range all {
		if (p.start == math.MinInt64 || wall >= p.start+p.offset) && (p.end == math.MaxInt64 || wall < p.end+p.offset) {
			matches = append(matches, p)
		}
	}
	switch {
	case len(matches) == 1:
		return wall - matches[0].offset
	case len(matches) > 1:
		return wall - matches[min(fold, len(matches)-1)].offset
	}
	for i := 0; i+1 < len(all); i++ {
		if wall >= all[i].end+all[i].offset && wall < all[i+1].start+all[i+1].offset {
			if fold == 0 {
				return wall - all[i].offset
			}
			return wall - all[i+1].offset
		}
	}
	return wall - all[0].offset
}

func offsetAt(instant int64, zone *time.Location) int64 {
	_, offset := time.Unix(instant, 0).In(zone).Zone()
	return int64(offset)
}

func inGap(wall int64, zone *time.Location) bool {
	instant := localInstant(wall, zone, 0)
	return instant+offsetAt(instant, zone) != wall
}

// clockJump is the instant a spring-forward gap holding this wall time ends, found by
// the same bisection, to the second, as decide.py's _clock_jump.
func clockJump(wall int64, zone *time.Location) int64 {
	before := localInstant(wall, zone, 1)
	after := localInstant(wall, zone, 0)
	offsetAfter := offsetAt(after, zone)
	for after-before > 1 {
		middle := before + (after-before)/2
		if offsetAt(middle, zone) == offsetAfter {
			after = middle
		} else {
			before = middle
		}
	}
	return after
}

// endOfCoveredBlock: adjacent and overlapping windows defer as one; the block ends
// where no window continues it.
func endOfCoveredBlock(intervals []Interval, now time.Time) time.Time {
	end := now
	for extended := true; extended; {
		extended = false
		for _, interval := range intervals {
			if !interval.Start.After(end) && end.Before(interval.End) {
				end = interval.End
				extended = true
			}
		}
	}
	return end
}

func label(position, name string) string {
	if name != "" {
		return position + " (" + name + ")"
	}
	return position
}

// ToJSON is the document as WindowDocument.to_json writes it.
func (d Document) ToJSON() *pyjson.Object {
	windows := []pyjson.Value{}
	for _, w := range d.Windows {
		item := pyjson.NewObject().Set("start", Isoformat(w.Start)).Set("end", Isoformat(w.End))
		if w.Name != "" {
			item.Set("name", w.Name)
		}
		windows = append(windows, item)
	}
	recurring := []pyjson.Value{}
	for _, w := range d.Recurring {
		days := []pyjson.Value{}
		for _, day := range w.Days {
			days = append(days, DayNames[day])
		}
		item := pyjson.NewObject().Set("days", days).Set("start", w.Start.String()).
			Set("end", w.End.String()).Set("timezone", w.Timezone)
		if w.Name != "" {
			item.Set("name", w.Name)
		}
		recurring = append(recurring, item)
	}
	return pyjson.NewObject().Set("mode", string(d.Mode)).Set("windows", windows).Set("recurring", recurring)
}
