package pyjson

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Runes decodes WTF-8 text into code points, as Python indexes a str; an encoded
// lone surrogate is one code point, and a byte that is not WTF-8 becomes U+FFFD.
func Runes(s string) []rune {
	out := make([]rune, 0, len(s))
	for i := 0; i < len(s); {
		r, size := decodeRune(s[i:])
		out = append(out, r)
		i += size
	}
	return out
}

// FromRunes encodes code points as WTF-8 (lone surrogates in their three-byte form).
func FromRunes(runes []rune) string {
	surrogates := false
	for _, r := range runes {
		if isSurrogate(r) {
			surrogates = true
			break
		}
	}
	if !surrogates {
		return string(runes)
	}
	var b strings.Builder
	b.Grow(len(runes) * 3)
	for _, r := range runes {
		writeRune(&b, r)
	}
	return b.String()
}

// Len is Python's len(str): code points, not bytes.
func Len(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return len(Runes(s))
}

// Slice is Python's s[:n] for n >= 0.
func Slice(s string, n int) string {
	runes := Runes(s)
	if n >= len(runes) {
		return s
	}
	return FromRunes(runes[:n])
}

// HasSurrogate says whether s holds a lone surrogate, which Python cannot encode as UTF-8.
func HasSurrogate(s string) bool {
	for _, r := range Runes(s) {
		if isSurrogate(r) {
			return true
		}
	}
	return false
}

// IsSpace is Python's str.isspace for one character.
func IsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// Strip is Python's str.strip() with no argument.
func Strip(s string) string {
	runes := Runes(s)
	start, end := 0, len(runes)
	for start < end && IsSpace(runes[start]) {
		start++
	}
	for end > start && IsSpace(runes[end-1]) {
		end--
	}
	if start == 0 && end == len(runes) {
		return s
	}
	return FromRunes(runes[start:end])
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isSurrogate(r rune) bool {
	return r >= 0xd800 && r <= 0xdfff
}

func decodeRune(s string) (rune, int) {
	if len(s) >= 3 && s[0] == 0xed && s[1] >= 0xa0 && s[1] <= 0xbf && s[2] >= 0x80 && s[2] <= 0xbf {
		return rune(s[0]&0x0f)<<12 | rune(s[1]&0x3f)<<6 | rune(s[2]&0x3f), 3
	}
	return utf8.DecodeRuneInString(s)
}

func writeRune(b *strings.Builder, r rune) {
	if isSurrogate(r) {
		b.WriteByte(0xe0 | byte(r>>12))
		b.WriteByte(0x80 | byte(r>>6)&0x3f)
		b.WriteByte(0x80 | byte(r)&0x3f)
		return
	}
	b.WriteRune(r)
}
