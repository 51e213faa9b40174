package pyjson

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Style is how json.dumps is called: its separators and ensure_ascii.
type Style struct {
	ItemSeparator string
	KeySeparator  string
	EnsureASCII   bool
}

var (
	// Default is json.dumps(value): ", " and ": ", escaped to ASCII.
	Default = Style{ItemSeparator: ", ", KeySeparator: ": ", EnsureASCII: true}
	// Compact is json.dumps(value, separators=(",", ":")), escaped to ASCII.
	Compact = Style{ItemSeparator: ",", KeySeparator: ":", EnsureASCII: true}
)

// Dumps is json.dumps(value) in the given style. A value of a Go type JSON has no
// word for is written as its fmt text, as json.dumps(default=str) writes str(value).
func Dumps(value Value, style Style) string {
	var b strings.Builder
	style.write(&b, value)
	return b.String()
}

func (s Style) write(b *strings.Builder, value Value) {
	switch v := value.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case Int:
		b.WriteString(string(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		b.WriteString(FloatJSON(v))
	case string:
		s.writeString(b, v)
	case []Value:
		b.WriteByte('[')
		for i, item := range v {
			if i > 0 {
				b.WriteString(s.ItemSeparator)
			}
			s.write(b, item)
		}
		b.WriteByte(']')
	case []string:
		items := make([]Value, len(v))
		for i, item := range v {
			items[i] = item
		}
		s.write(b, items)
	case *Object:
		b.WriteByte('{')
		for i, key := range v.Keys {
			if i > 0 {
				b.WriteString(s.ItemSeparator)
			}
			s.writeString(b, key)
			b.WriteString(s.KeySeparator)
			s.write(b, v.Values[key])
		}
		b.WriteByte('}')
	default:
		s.writeString(b, fmt.Sprint(v))
	}
}

func (s Style) writeString(b *strings.Builder, text string) {
	b.WriteByte('"')
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			// ASCII, the common case: copied unless it must be escaped.
			if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
				b.WriteByte(c)
			} else {
				s.writeEscaped(b, rune(c))
			}
			i++
			continue
		}
		r, size := decodeRune(text[i:])
		i += size
		s.writeEscaped(b, r)
	}
	b.WriteByte('"')
}

const hexDigits = "0123456789abcdef"

func writeU(b *strings.Builder, r rune) {
	b.WriteString(`\u`)
	b.WriteByte(hexDigits[r>>12&0xf])
	b.WriteByte(hexDigits[r>>8&0xf])
	b.WriteByte(hexDigits[r>>4&0xf])
	b.WriteByte(hexDigits[r&0xf])
}

// writeEscaped writes one character as json.dumps does: the short escapes, \u for
// controls, and with ensure_ascii \u (a surrogate pair beyond the BMP) for non-ASCII.
func (s Style) writeEscaped(b *strings.Builder, r rune) {
	switch r {
	case '"':
		b.WriteString(`\"`)
	case '\\':
		b.WriteString(`\\`)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	case '\b':
		b.WriteString(`\b`)
	case '\f':
		b.WriteString(`\f`)
	default:
		switch {
		case r < 0x20:
			writeU(b, r)
		case !s.EnsureASCII || r < 0x7f:
			writeRune(b, r)
		case r > 0xffff:
			r -= 0x10000
			writeU(b, 0xd800|(r>>10)&0x3ff)
			writeU(b, 0xdc00|r&0x3ff)
		default:
			writeU(b, r)
		}
	}
}

// FloatJSON is how json.dumps writes a float: repr, or NaN and ±Infinity.
func FloatJSON(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return FloatRepr(f)
}

// FloatRepr is Python's repr(float): the shortest text that reads back the same,
// in positional form from 1e-4 up to 1e16 and in exponent form outside it.
func FloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	sign := ""
	if math.Signbit(f) {
		sign = "-"
		f = -f
	}
	if f == 0 {
		return sign + "0.0"
	}
	// d.ddddde±XX: the shortest digits and the decimal exponent.
	exp := strconv.FormatFloat(f, 'e', -1, 64)
	mantissa, power, _ := strings.Cut(exp, "e")
	digits := strings.Replace(mantissa, ".", "", 1)
	exponent, _ := strconv.Atoi(power)
	point := exponent + 1 // digits are 0.DIGITS × 10^point
	if point > -4 && point <= 16 {
		switch {
		case point <= 0:
			return sign + "0." + strings.Repeat("0", -point) + digits
		case point >= len(digits):
			return sign + digits + strings.Repeat("0", point-len(digits)) + ".0"
		default:
			return sign + digits[:point] + "." + digits[point:]
		}
	}
	out := digits[:1]
	if len(digits) > 1 {
		out += "." + digits[1:]
	}
	esign := "+"
	if exponent < 0 {
		esign = "-"
		exponent = -exponent
	}
	return fmt.Sprintf("%s%se%s%02d", sign, out, esign, exponent)
}
