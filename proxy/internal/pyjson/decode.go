package pyjson

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth stands in for Python's recursion limit, which stops a deeply nested document.
const maxDepth = 990

// SyntaxError is Python's json.JSONDecodeError: a message and a position in characters.
type SyntaxError struct {
	Msg    string
	Pos    int
	Line   int
	Column int
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s: line %d column %d (char %d)", e.Msg, e.Line, e.Column, e.Pos)
}

// DepthError is Python's RecursionError for a document nested too deeply.
type DepthError struct{}

func (DepthError) Error() string {
	return "maximum recursion depth exceeded while decoding a JSON array from a unicode string"
}

// PairsHook sees each object's key/value pairs in order once the object is read, as
// json.loads(object_pairs_hook=...) does; an error it returns stops the decoding.
type PairsHook func(keys []string, values []Value) (*Object, error)

// Decode is json.loads(text).
func Decode(text string) (Value, error) {
	return DecodeWith(text, nil)
}

// DecodeBytes is json.loads of UTF-8 bytes.
func DecodeBytes(data []byte) (Value, error) {
	return DecodeWith(string(data), nil)
}

// DecodeWith is json.loads(text, object_pairs_hook=hook); a nil hook builds a dict.
func DecodeWith(text string, hook PairsHook) (Value, error) {
	d := &decoder{s: text, hook: hook}
	start := d.skip(0)
	value, end, err := d.value(start, 0)
	if err != nil {
		if stop, ok := err.(stopIteration); ok {
			return nil, d.fail("Expecting value", int(stop))
		}
		return nil, err
	}
	end = d.skip(end)
	if end != len(d.s) {
		return nil, d.fail("Extra data", end)
	}
	return value, nil
}

// decoder scans the text's bytes: JSON's structure is ASCII, and a UTF-8 byte of a
// longer character is never one of its delimiters. Positions in errors are converted
// to characters, as Python counts them.
type decoder struct {
	s    string
	hook PairsHook
}

// stopIteration is the scanner's "no value starts here", turned into "Expecting value".
type stopIteration int

func (s stopIteration) Error() string { return "stop" }

// fail is a SyntaxError at byte offset at, reported in characters.
func (d *decoder) fail(msg string, at int) error {
	at = min(at, len(d.s))
	prefix := d.s[:at]
	pos := utf8.RuneCountInString(prefix)
	line := 1 + strings.Count(prefix, "\n")
	column := pos + 1
	if last := strings.LastIndexByte(prefix, '\n'); last >= 0 {
		column = pos - utf8.RuneCountInString(prefix[:last])
	}
	return &SyntaxError{Msg: msg, Pos: pos, Line: line, Column: column}
}

func (d *decoder) skip(i int) int {
	for i < len(d.s) {
		switch d.s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func (d *decoder) has(i int, word string) bool {
	return strings.HasPrefix(d.s[i:], word)
}

func (d *decoder) value(i, depth int) (Value, int, error) {
	if i >= len(d.s) {
		return nil, i, stopIteration(i)
	}
	switch c := d.s[i]; {
	case c == '"':
		return d.str(i + 1)
	case c == '{':
		if depth >= maxDepth {
			return nil, i, DepthError{}
		}
		return d.object(i+1, depth+1)
	case c == '[':
		if depth >= maxDepth {
			return nil, i, DepthError{}
		}
		return d.array(i+1, depth+1)
	case c == 'n' && d.has(i, "null"):
		return nil, i + 4, nil
	case c == 't' && d.has(i, "true"):
		return true, i + 4, nil
	case c == 'f' && d.has(i, "false"):
		return false, i + 5, nil
	case c == 'N' && d.has(i, "NaN"):
		return math.NaN(), i + 3, nil
	case c == 'I' && d.has(i, "Infinity"):
		return math.Inf(1), i + 8, nil
	case c == '-' && d.has(i, "-Infinity"):
		return math.Inf(-1), i + 9, nil
	}
	return d.number(i)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (d *decoder) number(start int) (Value, int, error) {
	i := start
	if d.s[i] == '-' {
		i++
		if i >= len(d.s) {
			return nil, start, stopIteration(start)
		}
	}
	switch {
	case d.s[i] >= '1' && d.s[i] <= '9':
		for i++; i < len(d.s) && isDigit(d.s[i]); i++ {
		}
	case d.s[i] == '0':
		i++
	default:
		return nil, start, stopIteration(start)
	}
	isFloat := false
	if i+1 < len(d.s) && d.s[i] == '.' && isDigit(d.s[i+1]) {
		isFloat = true
		for i += 2; i < len(d.s) && isDigit(d.s[i]); i++ {
		}
	}
	if i < len(d.s) && (d.s[i] == 'e' || d.s[i] == 'E') {
		mark := i
		i++
		if i < len(d.s) && (d.s[i] == '-' || d.s[i] == '+') {
			i++
		}
		digits := i
		for ; i < len(d.s) && isDigit(d.s[i]); i++ {
		}
		if i == digits {
			i = mark
		} else {
			isFloat = true
		}
	}
	text := d.s[start:i]
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !isRangeError(err) {
			return nil, start, err
		}
		return f, i, nil
	}
	return canonicalInt(text), i, nil
}

func isRangeError(err error) bool {
	numErr, ok := err.(*strconv.NumError)
	return ok && numErr.Err == strconv.ErrRange
}

// canonicalInt is str(int(text)): no leading zeros and no negative zero.
func canonicalInt(text string) Int {
	negative := strings.HasPrefix(text, "-")
	digits := strings.TrimLeft(strings.TrimPrefix(text, "-"), "0")
	if digits == "" {
		return "0"
	}
	if negative {
		return Int("-" + digits)
	}
	return Int(digits)
}

func (d *decoder) object(i, depth int) (Value, int, error) {
	var keys []string
	var values []Value
	i = d.skip(i)
	if i >= len(d.s) || d.s[i] != '}' {
		for {
			if i >= len(d.s) || d.s[i] != '"' {
				return nil, i, d.fail("Expecting property name enclosed in double quotes", i)
			}
			key, next, err := d.str(i + 1)
			if err != nil {
				return nil, next, err
			}
			i = d.skip(next)
			if i >= len(d.s) || d.s[i] != ':' {
				return nil, i, d.fail("Expecting ':' delimiter", i)
			}
			i = d.skip(i + 1)
			value, next, err := d.value(i, depth)
			if err != nil {
				if stop, ok := err.(stopIteration); ok {
					return nil, next, d.fail("Expecting value", int(stop))
				}
				return nil, next, err
			}
			keys = append(keys, key.(string))
			values = append(values, value)
			i = d.skip(next)
			if i < len(d.s) && d.s[i] == '}' {
				break
			}
			if i >= len(d.s) || d.s[i] != ',' {
				return nil, i, d.fail("Expecting ',' delimiter", i)
			}
			i = d.skip(i + 1)
		}
	}
	if d.hook != nil {
		object, err := d.hook(keys, values)
		return object, i + 1, err
	}
	object := NewObject()
	for n, key := range keys {
		object.Set(key, values[n])
	}
	return object, i + 1, nil
}

func (d *decoder) array(i, depth int) (Value, int, error) {
	values := []Value{}
	i = d.skip(i)
	if i >= len(d.s) || d.s[i] != ']' {
		for {
			value, next, err := d.value(i, depth)
			if err != nil {
				if stop, ok := err.(stopIteration); ok {
					return nil, next, d.fail("Expecting value", int(stop))
				}
				return nil, next, err
			}
			values = append(values, value)
			i = d.skip(next)
			if i < len(d.s) && d.s[i] == ']' {
				break
			}
			if i >= len(d.s) || d.s[i] != ',' {
				return nil, i, d.fail("Expecting ',' delimiter", i)
			}
			i = d.skip(i + 1)
		}
	}
	return values, i + 1, nil
}

// str reads a string whose opening quote is at end-1 (CPython's scanstring_unicode).
func (d *decoder) str(end int) (Value, int, error) {
	begin := end - 1
	var out *strings.Builder
	for {
		next := end
		var c byte
		for ; next < len(d.s); next++ {
			c = d.s[next]
			if c == '"' || c == '\\' {
				break
			}
			if c <= 0x1f {
				return nil, next, d.fail("Invalid control character at", next)
			}
		}
		if next >= len(d.s) {
			return nil, begin, d.fail("Unterminated string starting at", begin)
		}
		if c == '"' && out == nil {
			// No escape in the string: its text as it stands.
			return d.s[end:next], next + 1, nil
		}
		if out == nil {
			out = &strings.Builder{}
		}
		out.WriteString(d.s[end:next])
		next++
		if c == '"' {
			return out.String(), next, nil
		}
		if next == len(d.s) {
			return nil, begin, d.fail("Unterminated string starting at", begin)
		}
		c = d.s[next]
		if c != 'u' {
			end = next + 1
			switch c {
			case '"', '\\', '/':
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			default:
				return nil, end, d.fail("Invalid \\escape", next-1)
			}
			out.WriteByte(c)
			continue
		}
		// Both of Python's failures here name the u's backslash-u at next-1; counting
		// bytes rather than characters cannot change which of them, or where.
		next++
		end = next + 4
		if end >= len(d.s) {
			return nil, end, d.fail("Invalid \\uXXXX escape", next-1)
		}
		code, ok := hex4(d.s[next:end])
		if !ok {
			return nil, end, d.fail("Invalid \\uXXXX escape", next-1)
		}
		if code >= 0xd800 && code <= 0xdbff && end+6 < len(d.s) && d.s[end] == '\\' && d.s[end+1] == 'u' {
			low, ok := hex4(d.s[end+2 : end+6])
			if !ok {
				return nil, end + 6, d.fail("Invalid \\uXXXX escape", end+1)
			}
			if low >= 0xdc00 && low <= 0xdfff {
				code = 0x10000 + (code-0xd800)<<10 + (low - 0xdc00)
				end += 6
			}
		}
		writeRune(out, code)
	}
}

func hex4(digits string) (rune, bool) {
	var code rune
	for i := 0; i < len(digits); i++ {
		digit := rune(digits[i])
		code <<= 4
		switch {
		case digit >= '0' && digit <= '9':
			code |= digit - '0'
		case digit >= 'a' && digit <= 'f':
			code |= digit - 'a' + 10
		case digit >= 'A' && digit <= 'F':
			code |= digit - 'A' + 10
		default:
			return 0, false
		}
	}
	return code, true
}
