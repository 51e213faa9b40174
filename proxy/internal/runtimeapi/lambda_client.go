package runtimeapi

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// lambdaClient is the proxy's HTTP/1.1 client to Lambda's Runtime API. Each exchange is
// written and read in the calling goroutine over a kept-alive connection (TCP_NODELAY,
// Go's default): net/http's Transport hands every request to a writer goroutine and
// every response back from a reader goroutine, and those hand-offs were the largest
// part of what the proxy added to an invocation. The bytes are net/http's own
// (Request.Write, ReadResponse): the same request line, headers, chunks and trailers.
type lambdaClient struct {
	address string
	dialer  net.Dialer
	mu      sync.Mutex
	idle    []*lambdaConn
}

// maxIdleLambda bounds the kept connections: one runtime uses one or two at a time,
// Managed Instances' workers one each (the Transport this replaced kept as many).
const maxIdleLambda = 32

// expired is a deadline in the past: setting it ends a blocked read or write at once.
var expired = time.Unix(1, 0)

type lambdaConn struct {
	conn   net.Conn
	reader *bufio.Reader
	writer *bufio.Writer
}

func newLambdaClient(address string) *lambdaClient {
	return &lambdaClient{address: address, dialer: net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}}
}

// Do sends request and reads the response's head. Its body reads from the connection,
// which is kept for the next exchange once the body has been read to its end, and
// closed if it is closed earlier or the request's context ends.
func (u *lambdaClient) Do(request *http.Request) (*http.Response, error) {
	ctx := request.Context()
	c, err := u.connection(ctx)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.conn.SetDeadline(expired) })
	response, err := c.exchange(request)
	if err != nil {
		stop()
		_ = c.conn.Close()
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
	body := &lambdaBody{body: response.Body, conn: c, owner: u, stop: stop, keep: !response.Close, ctx: ctx}
	if response.Body == http.NoBody {
		body.finish(true)
	} else {
		response.Body = body
	}
	return response, nil
}

// exchange writes the request and reads the final response's head (skipping 1xx).
func (c *lambdaConn) exchange(request *http.Request) (*http.Response, error) {
	if err := request.Write(c.writer); err != nil {
		return nil, err
	}
	if err := c.writer.Flush(); err != nil {
		return nil, err
	}
	for {
		response, err := http.ReadResponse(c.reader, request)
		if err != nil {
			return nil, err
		}
		if response.StatusCode < 100 || response.StatusCode > 199 || response.StatusCode == http.StatusSwitchingProtocols {
			return response, nil
		}
	}
}

// connection is a kept connection the Runtime API has not closed, or a new one.
func (u *lambdaClient) connection(ctx context.Context) (*lambdaConn, error) {
	for {
		u.mu.Lock()
		n := len(u.idle)
		if n == 0 {
			u.mu.Unlock()
			break
		}
		c := u.idle[n-1]
		u.idle = u.idle[:n-1]
		u.mu.Unlock()
		if c.reader.Buffered() == 0 && open(c.conn) {
			return c, nil
		}
		_ = c.conn.Close()
	}
	conn, err := u.dialer.DialContext(ctx, "tcp", u.address)
	if err != nil {
		return nil, err
	}
	return &lambdaConn{conn: conn, reader: bufio.NewReader(conn), writer: bufio.NewWriter(conn)}, nil
}

func (u *lambdaClient) keep(c *lambdaConn) {
	u.mu.Lock()
	if len(u.idle) < maxIdleLambda {
		u.idle = append(u.idle, c)
		c = nil
	}
	u.mu.Unlock()
	if c != nil {
		_ = c.conn.Close()
	}
}

// lambdaBody gives its connection back once read to the end.
type lambdaBody struct {
	body  io.ReadCloser
	conn  *lambdaConn
	owner *lambdaClient
	stop  func() bool
	ctx   context.Context
	keep  bool
	done  bool
}

func (b *lambdaBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.body.Read(p)
	if err != nil {
		b.finish(errors.Is(err, io.EOF))
		if !errors.Is(err, io.EOF) && b.ctx.Err() != nil {
			err = b.ctx.Err()
		}
	}
	return n, err
}

func (b *lambdaBody) Close() error {
	if !b.done {
		b.finish(false)
	}
	return nil
}

func (b *lambdaBody) finish(whole bool) {
	b.done = true
	// stop is false when the context's end already broke the connection's deadline.
	if b.stop() && whole && b.keep {
		b.owner.keep(b.conn)
		return
	}
	_ = b.conn.conn.Close()
	_ = b.body.Close()
}
