package pyjson

import (
	"fmt"
	"strings"
	"unicode"
)

// Repr is Python's repr() of a decoded JSON value.
func Repr(value Value) string {
	var b strings.Builder
	writeRepr(&b, value)
	return b.String()
}

func writeRepr(b *strings.Builder, value Value) {
	switch v := value.(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if v {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case Int:
		b.WriteString(string(v))
	case int:
		fmt.Fprint(b, v)
	case int64:
		fmt.Fprint(b, v)
	case float64:
		b.WriteString(FloatRepr(v))
	case string:
		b.WriteString(StringRepr(v))
	case []Value:
		b.WriteByte('[')
		for i, item := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, item)
		}
		b.WriteByte(']')
	case *Object:
		b.WriteByte('{')
		for i, key := range v.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(StringRepr(key))
			b.WriteString(": ")
			writeRepr(b, v.Values[key])
		}
		b.WriteByte('}')
	default:
		fmt.Fprint(b, v)
	}
}

// StringRepr is Python's repr(str): single quotes unless the text holds one and no
// double quote, and escapes for what is not printable.
func StringRepr(s string) string {
	runes := Runes(s)
	quote := '\''
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteRune(quote)
	for _, r := range runes {
		switch {
		case r == quote || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < ' ' || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x7f:
			b.WriteRune(r)
		case isPrintable(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteRune(quote)
	return b.String()
}

// isPrintable is Python's str.isprintable for one non-ASCII character: not a control,
// format, surrogate, private-use, unassigned or separator character.
func isPrintable(r rune) bool {
	if isSurrogate(r) {
		return false
	}
	return unicode.IsPrint(r)
}
