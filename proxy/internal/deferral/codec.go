// Package deferral is how the proxy keeps an event exactly as the Python gate does:
// the same JSON text and digest (codec.go, gate/deferral/codec.py), the same table
// names (table.go, gate/deferral/table.py), the same record item (record.go,
// gate/deferral/store.py) and the same replay-marker rules (wire.go, marker.go), so
// `python -m gate deferred` lists and replays what the proxy stored, unchanged.
// The I/O (the conditional PutItem, S3, reading a record) lives in store.go (owner: proxy).
package deferral

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
)

// The stored encodings, and the size above which the text is compressed (below it,
// compression costs more CPU than the bytes it saves).
const (
	Plain             = "json"
	Compressed        = "json+zlib"
	CompressOverBytes = 4096
)

// EncodingError is gate.deferral.codec.EventEncodingError.
type EncodingError struct{ Message string }

func (e *EncodingError) Error() string { return e.Message }

// EncodedEvent is an event as it is kept: Body in Encoding, Size bytes of JSON text
// before compression, and Digest, the SHA-256 of that text.
type EncodedEvent struct {
	Body     []byte
	Encoding string
	Size     int
	Digest   string
}

// EventJSON is codec.event_json: the exact text the gate stores for a decoded event,
// compact and escaped to ASCII (so lone surrogates survive).
func EventJSON(event pyjson.Value) []byte {
	return []byte(pyjson.Dumps(event, pyjson.Compact))
}

// EventDigest is codec.event_digest.
func EventDigest(text []byte) string {
	sum := sha256.Sum256(text)
	return hex.EncodeToString(sum[:])
}

// Encode is codec.encode_event of the event the runtime would have decoded from these
// bytes. zlib's output is not the same bytes in Go as in CPython; only the text
// inside is, and that is what the digest and a replay read.
func Encode(raw []byte) (EncodedEvent, error) {
	event, err := pyjson.DecodeBytes(raw)
	if err != nil {
		return EncodedEvent{}, &EncodingError{fmt.Sprintf("event is not JSON: %v", err)}
	}
	return EncodeValue(event)
}

// EncodeValue is codec.encode_event of a decoded event.
func EncodeValue(event pyjson.Value) (EncodedEvent, error) {
	text := EventJSON(event)
	digest := EventDigest(text)
	if len(text) <= CompressOverBytes {
		return EncodedEvent{Body: text, Encoding: Plain, Size: len(text), Digest: digest}, nil
	}
	var buffer bytes.Buffer
	writer, err := zlib.NewWriterLevel(&buffer, 6)
	if err != nil {
		return EncodedEvent{}, &EncodingError{err.Error()}
	}
	if _, err := writer.Write(text); err != nil {
		return EncodedEvent{}, &EncodingError{err.Error()}
	}
	if err := writer.Close(); err != nil {
		return EncodedEvent{}, &EncodingError{err.Error()}
	}
	return EncodedEvent{Body: buffer.Bytes(), Encoding: Compressed, Size: len(text), Digest: digest}, nil
}

// DecodeBody is codec.decode_body: the event's JSON text from its stored bytes.
func DecodeBody(body []byte, encoding string) ([]byte, error) {
	switch encoding {
	case Plain:
		return body, nil
	case Compressed:
		reader, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, &EncodingError{fmt.Sprintf("stored event is corrupt: %v", err)}
		}
		text, err := io.ReadAll(reader)
		if err != nil {
			return nil, &EncodingError{fmt.Sprintf("stored event is corrupt: %v", err)}
		}
		return text, nil
	}
	return nil, &EncodingError{fmt.Sprintf("unknown event encoding %s", pyjson.StringRepr(encoding))}
}
