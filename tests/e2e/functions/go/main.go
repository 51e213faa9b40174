// Command function is a provided.al2023-style custom runtime built with aws-lambda-go,
// for the end-to-end tests: the binary a function's bootstrap starts. _HANDLER (the
// function's configured handler) picks what it does:
//
//   - record: append {"request_id", "event"} to PROBE_RECEIVED_FILE, answer {"handled": event};
//   - stream: answer with an io.Reader, which aws-lambda-go posts as a chunked body with
//     its error trailers declared, written in several chunks with pauses between them.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// StreamChunks is how many pieces the stream handler writes.
const StreamChunks = 3

type received struct {
	RequestID string          `json:"request_id"`
	Event     json.RawMessage `json:"event"`
}

func record(ctx context.Context, event json.RawMessage) (map[string]json.RawMessage, error) {
	invocation, _ := lambdacontext.FromContext(ctx)
	line, err := json.Marshal(received{RequestID: invocation.AwsRequestID, Event: event})
	if err != nil {
		return nil, err
	}
	file, err := os.OpenFile(os.Getenv("PROBE_RECEIVED_FILE"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	if _, err := file.Write(append(line, '\n')); err != nil {
		_ = file.Close()
		return nil, err
	}
	if err := file.Close(); err != nil {
		return nil, err
	}
	return map[string]json.RawMessage{"handled": event}, nil
}

func stream(_ context.Context, _ json.RawMessage) (io.Reader, error) {
	reader, writer := io.Pipe()
	go func() {
		for chunk := range StreamChunks {
			if _, err := fmt.Fprintf(writer, "chunk %d;", chunk); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = writer.Close()
	}()
	return reader, nil
}

func main() {
	switch handler := os.Getenv("_HANDLER"); handler {
	case "record":
		lambda.Start(record)
	case "stream":
		lambda.Start(stream)
	default:
		fmt.Fprintf(os.Stderr, "_HANDLER %q: expected record or stream\n", handler)
		os.Exit(2)
	}
}
