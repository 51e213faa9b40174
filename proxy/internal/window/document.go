// Package window is the maintenance-window document and the decision derived from
// it, behaving exactly as gate/window/document.py, fields.py and decide.py: the same
// documents accepted, the same error for each bad field, the same decision at every
// instant. tests/vectors/window_*.json hold the Python gate's answers; the tests here
// read them.
package window

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
)

// MaxDocumentBytes is SSM's advanced-tier cap on a parameter: anything larger could never be stored.
const MaxDocumentBytes = 8192

// Mode is the document's mode.
type Mode string

// The modes a document may name.
const (
	ModeAuto        Mode = "auto"
	ModeMaintenance Mode = "maintenance"
	ModeLive        Mode = "live"
)

var (
	topLevelKeys  = []string{"mode", "recurring", "windows"}
	windowKeys    = []string{"end", "name", "start"}
	recurringKeys = []string{"days", "end", "name", "start", "timezone"}
)

// AbsoluteWindow is a one-off window, half-open [Start, End), held in UTC. Name "" is none.
type AbsoluteWindow struct {
	Start time.Time
	End   time.Time
	Name  string
}

// RecurringWindow is a weekly window in an IANA zone; Days are the local days it starts on
// (0 = Monday). When End is not after Start the window crosses midnight.
type RecurringWindow struct {
	Days     []int
	Start    TimeOfDay
	End      TimeOfDay
	Timezone string
	Name     string
}

// CrossesMidnight says whether the window ends on the day after it starts.
func (w RecurringWindow) CrossesMidnight() bool {
	return w.End <= w.Start
}

// Document is a parsed window document.
type Document struct {
	Mode      Mode
	Windows   []AbsoluteWindow
	Recurring []RecurringWindow
}

// EmptyDocument is the document of no window: mode auto, nothing scheduled.
var EmptyDocument = Document{Mode: ModeAuto}

// ParseDocument is gate.window.document.parse_document: a JSON object, or the legacy
// "START,END" list.
func ParseDocument(text string) (Document, error) {
	if !utf8.ValidString(text) {
		return Document{}, fieldError("document", text, "is not valid Unicode text (invalid UTF-8)")
	}
	if size := len(text); size > MaxDocumentBytes {
		return Document{}, fieldError("document", fmt.Sprintf("%d bytes", size),
			fmt.Sprintf("is larger than the %d-byte limit of an SSM parameter", MaxDocumentBytes))
	}
	if strings.HasPrefix(text, "\ufeff") {
		return Document{}, fieldError("document", pyjson.Slice(text, 20), "starts with a byte-order mark; save it as UTF-8 without one")
	}
	stripped := pyjson.Strip(text)
	if stripped == "" {
		return Document{}, fieldError("document", text, "is empty")
	}
	if stripped[0] == '{' {
		data, err := loadJSONObject(stripped)
		if err != nil {
			return Document{}, err
		}
		return ParseMapping(data)
	}
	if strings.ContainsRune(`["0123456789-tfn`, rune(stripped[0])) {
		if _, err := pyjson.Decode(stripped); err == nil {
			return Document{}, fieldError("document", stripped, "must be a JSON object or a 'START,END' list")
		}
	}
	return parseLegacyList(stripped)
}

// ParseMapping is gate.window.document.parse_mapping: validate an already-decoded document.
func ParseMapping(data pyjson.Value) (Document, error) {
	object, ok := data.(*pyjson.Object)
	if !ok {
		return Document{}, fieldError("document", data, "must be a JSON object")
	}
	if err := rejectUnknownKeys(object, topLevelKeys, ""); err != nil {
		return Document{}, err
	}
	document := Document{Mode: ModeAuto}
	if value, ok := object.Get("mode"); ok {
		text, isText := value.(string)
		switch Mode(text) {
		case ModeAuto, ModeMaintenance, ModeLive:
		default:
			isText = false
		}
		if !isText {
			return Document{}, fieldError("mode", value, "must be one of auto, maintenance, live")
		}
		document.Mode = Mode(text)
	}
	windows, err := listField(object, "windows")
	if err != nil {
		return Document{}, err
	}
	for index, item := range windows {
		window, err := parseAbsolute(item, fmt.Sprintf("windows[%d]", index))
		if err != nil {
			return Document{}, err
		}
		document.Windows = append(document.Windows, window)
	}
	recurring, err := listField(object, "recurring")
	if err != nil {
		return Document{}, err
	}
	for index, item := range recurring {
		window, err := parseRecurring(item, fmt.Sprintf("recurring[%d]", index))
		if err != nil {
			return Document{}, err
		}
		document.Recurring = append(document.Recurring, window)
	}
	return document, nil
}

func parseAbsolute(item pyjson.Value, path string) (AbsoluteWindow, error) {
	object, ok := item.(*pyjson.Object)
	if !ok {
		return AbsoluteWindow{}, fieldError(path, item, "must be an object with start and end")
	}
	if err := rejectUnknownKeys(object, windowKeys, path); err != nil {
		return AbsoluteWindow{}, err
	}
	var window AbsoluteWindow
	var err error
	startValue, err := required(object, "start", path)
	if err != nil {
		return window, err
	}
	if window.Start, err = ParseInstant(startValue, path+".start"); err != nil {
		return window, err
	}
	endValue, err := required(object, "end", path)
	if err != nil {
		return window, err
	}
	if window.End, err = ParseInstant(endValue, path+".end"); err != nil {
		return window, err
	}
	if !window.End.After(window.Start) {
		return window, fieldError(path+".end", endValue, "must be after start "+pyjson.Repr(startValue))
	}
	window.Name, err = optionalName(object, path)
	return window, err
}

func parseRecurring(item pyjson.Value, path string) (RecurringWindow, error) {
	object, ok := item.(*pyjson.Object)
	if !ok {
		return RecurringWindow{}, fieldError(path, item, "must be an object with days, start, end and timezone")
	}
	if err := rejectUnknownKeys(object, recurringKeys, path); err != nil {
		return RecurringWindow{}, err
	}
	var window RecurringWindow
	startValue, err := required(object, "start", path)
	if err != nil {
		return window, err
	}
	if window.Start, err = ParseTimeOfDay(startValue, path+".start"); err != nil {
		return window, err
	}
	endValue, err := required(object, "end", path)
	if err != nil {
		return window, err
	}
	if window.End, err = ParseTimeOfDay(endValue, path+".end"); err != nil {
		return window, err
	}
	if window.End == window.Start {
		return window, fieldError(path+".end", endValue, "must differ from start (use mode for all-day maintenance)")
	}
	zone, err := required(object, "timezone", path)
	if err != nil {
		return window, err
	}
	if err := CheckZone(zone, path+".timezone"); err != nil {
		return window, err
	}
	window.Timezone = zone.(string)
	days, ok := object.Get("days")
	if !ok {
		days = []pyjson.Value{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	}
	if window.Days, err = ParseDays(days, path+".days"); err != nil {
		return window, err
	}
	window.Name, err = optionalName(object, path)
	return window, err
}

func parseLegacyList(text string) (Document, error) {
	parts := strings.Split(text, ",")
	for i := range parts {
		parts[i] = pyjson.Strip(parts[i])
	}
	if len(parts) != 2 {
		return Document{}, fieldError("document", text, fmt.Sprintf("the START,END list form needs exactly 2 items, not %d", len(parts)))
	}
	start, err := ParseInstant(parts[0], "document[0]")
	if err != nil {
		return Document{}, err
	}
	end, err := ParseInstant(parts[1], "document[1]")
	if err != nil {
		return Document{}, err
	}
	if !end.After(start) {
		return Document{}, fieldError("document[1]", parts[1], "must be after start "+pyjson.StringRepr(parts[0]))
	}
	return Document{Mode: ModeAuto, Windows: []AbsoluteWindow{{Start: start, End: end}}}, nil
}

func loadJSONObject(text string) (pyjson.Value, error) {
	value, err := pyjson.DecodeWith(text, rejectDuplicateKeys)
	if err == nil {
		return value, nil
	}
	if documentError, ok := err.(*DocumentError); ok {
		return nil, documentError
	}
	return nil, fieldError("document", clip(text), "is not valid JSON: "+err.Error())
}

func rejectDuplicateKeys(keys []string, values []pyjson.Value) (*pyjson.Object, error) {
	object := pyjson.NewObject()
	for i, key := range keys {
		if object.Has(key) {
			return nil, fieldError(key, values[i], "appears more than once")
		}
		object.Set(key, values[i])
	}
	return object, nil
}

func listField(object *pyjson.Object, key string) ([]pyjson.Value, error) {
	value, ok := object.Get(key)
	if !ok {
		return nil, nil
	}
	list, ok := value.([]pyjson.Value)
	if !ok {
		return nil, fieldError(key, value, "must be a list")
	}
	return list, nil
}

func required(object *pyjson.Object, key, path string) (pyjson.Value, error) {
	value, ok := object.Get(key)
	if !ok {
		return nil, fieldError(path+"."+key, nil, "is required")
	}
	return value, nil
}

func optionalName(object *pyjson.Object, path string) (string, error) {
	value, _ := object.Get("name")
	if value == nil {
		return "", nil
	}
	name, ok := value.(string)
	if !ok || pyjson.Len(name) == 0 || pyjson.Len(name) > 100 {
		return "", fieldError(path+".name", value, "must be a string of 1 to 100 characters")
	}
	if pyjson.HasSurrogate(name) {
		// A lone surrogate parses from JSON but could never be written back.
		return "", fieldError(path+".name", value, "is not valid Unicode text")
	}
	return name, nil
}

func rejectUnknownKeys(object *pyjson.Object, allowed []string, path string) error {
	for _, key := range object.Keys {
		if sort.SearchStrings(allowed, key) < len(allowed) && allowed[sort.SearchStrings(allowed, key)] == key {
			continue
		}
		where := key
		if path != "" {
			where = path + "." + key
		}
		return fieldError(where, key, "is not a known key; expected one of "+strings.Join(allowed, ", "))
	}
	return nil
}
