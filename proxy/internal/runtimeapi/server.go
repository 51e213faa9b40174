package runtimeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// Gate decides each event the proxy takes from upstream. It returns nil (and no error)
// to hand the event to the runtime; otherwise the Answer the proxy posts for it. An
// error fails the invocation (posted as an invocation error naming it): nothing that
// could not be done is ever reported done.
type Gate interface {
	Answer(ctx context.Context, event *Event) (*Answer, error)
}

// Logger receives the proxy's own log lines (never payloads).
type Logger func(level, message string, fields ...any)

// ProxyErrorType names an invocation the proxy failed for a reason of its own.
const ProxyErrorType = "MaintenanceGate.ProxyError"

// heldEvents bounds the events fetched for a runtime that went away before taking them.
const heldEvents = 16

// postTimeout bounds posting an answer upstream; Lambda's Runtime API is local and answers at once.
const postTimeout = 10 * time.Second

// Server is the runtime's Runtime API.
type Server struct {
	upstream string // host:port of Lambda's Runtime API
	client   *lambdaClient
	gate     Gate
	log      Logger
	// Events taken from upstream whose runtime request had gone (it was closed while the
	// proxy waited): the next /next gets them first, so no event is ever dropped.
	held chan *Event
	// life ends the requests the proxy makes for itself (upstream /next, gate I/O) when
	// the proxy stops; a runtime closing its own request does not end them.
	life context.Context
	stop context.CancelFunc
	// afterRestore runs once Lambda has answered /restore/next (a SnapStart restore),
	// before the runtime hears of it: the window is read afresh, as the Python gate's
	// after-restore hook does.
	afterRestore func()
	// runtimesGone counts /next requests whose runtime closed them while the proxy
	// waited: from then on their event, when it comes, is held, never written.
	runtimesGone atomic.Int64
}

// RestorePath is SnapStart's restore endpoint.
const RestorePath = APIVersion + "/runtime/restore/next"

// AfterRestore sets what runs after a SnapStart restore, before the runtime is told.
func (s *Server) AfterRestore(hook func()) { s.afterRestore = hook }

// NewServer proxies to the Runtime API at upstream (host:port, as AWS_LAMBDA_RUNTIME_API).
func NewServer(upstream string, gate Gate, log Logger) *Server {
	if log == nil {
		log = func(string, string, ...any) {}
	}
	life, stop := context.WithCancel(context.Background())
	return &Server{
		upstream: upstream, client: newLambdaClient(upstream), gate: gate, log: log,
		held: make(chan *Event, heldEvents), life: life, stop: stop,
	}
}

// Stop ends the requests the proxy made for itself; the process is about to exit.
func (s *Server) Stop() { s.stop() }

// NewTransport is a keep-alive transport to the local Runtime API, for the proxy's
// init error (the relayed exchanges go through lambdaClient): no proxy from the
// environment (HTTP_PROXY is for the function's own calls), no transparent compression
// (it would change the bytes), and no timeout, since /next waits as long as Lambda does.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		DisableCompression:  true,
		MaxIdleConns:        32,
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     0,
		ForceAttemptHTTP2:   false,
	}
}

// ServeHTTP holds /next and forwards everything else.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == NextPath {
		s.next(w, r)
		return
	}
	s.forward(w, r)
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	// No goroutine per request: AfterFunc runs only if the runtime leaves first.
	stop := context.AfterFunc(r.Context(), func() { s.runtimesGone.Add(1) })
	defer stop()
	for {
		event, err := s.take(r)
		if err != nil {
			s.log("ERROR", "runtime api next failed", "error", err.Error())
			http.Error(w, `{"errorMessage":"the Runtime API could not be reached","errorType":"`+ProxyErrorType+`"}`, http.StatusBadGateway)
			return
		}
		if event.Status != http.StatusOK || event.RequestID() == "" {
			s.deliver(w, r, event) // Lambda's own refusal, passed on as it is
			return
		}
		answer, err := s.gate.Answer(s.life, event)
		if err == nil && answer == nil {
			s.deliver(w, r, event)
			return
		}
		if err != nil {
			answer = failure(err)
		}
		s.post(event.RequestID(), answer)
	}
}

// take is the next event: one held for this runtime, else one fetched upstream. The
// upstream request does not end with the runtime's: an event Lambda hands over is kept.
func (s *Server) take(r *http.Request) (*Event, error) {
	select {
	case event := <-s.held:
		return event, nil
	default:
	}
	request, err := http.NewRequestWithContext(s.life, http.MethodGet, "http://"+s.upstream+NextPath, nil)
	if err != nil {
		return nil, err
	}
	relayHeader(request.Header, r.Header)
	response, err := s.client.Do(request)
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		return nil, err
	}
	return &Event{Status: response.StatusCode, Header: response.Header, Body: body}, nil
}

// deliver writes the event to the runtime as Lambda sent it. One whose runtime has gone
// is held for the next /next instead.
func (s *Server) deliver(w http.ResponseWriter, r *http.Request, event *Event) {
	if r.Context().Err() != nil {
		s.hold(event)
		return
	}
	copyHeader(w.Header(), event.Header)
	w.WriteHeader(event.Status)
	if _, err := w.Write(event.Body); err != nil {
		s.log("WARNING", "runtime went away while taking an event", "request_id", event.RequestID(), "error", err.Error())
		s.hold(event)
	}
}

func (s *Server) hold(event *Event) {
	if event.Status != http.StatusOK {
		return // an error from Lambda is not an event
	}
	select {
	case s.held <- event:
	default:
		s.log("ERROR", "event dropped: too many held for a runtime that went away", "request_id", event.RequestID())
	}
}

// post answers the invocation upstream, as the runtime would have.
func (s *Server) post(requestID string, answer *Answer) {
	ctx, cancel := context.WithTimeout(context.Background(), postTimeout)
	defer cancel()
	path, contentType := "/response", "application/json"
	if answer.Error {
		path = "/error"
	}
	url := "http://" + s.upstream + APIVersion + "/runtime/invocation/" + requestID + path
	request, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(answer.Body))
	if err != nil {
		s.log("ERROR", "answer not posted", "request_id", requestID, "error", err.Error())
		return
	}
	request.Header.Set("Content-Type", contentType)
	if answer.Error {
		request.Header.Set(HeaderErrorType, answer.ErrorType)
	}
	response, err := s.client.Do(request)
	if err != nil {
		s.log("ERROR", "answer not posted", "request_id", requestID, "error", err.Error())
		return
	}
	_, _ = io.Copy(io.Discard, response.Body)
	_ = response.Body.Close()
	if response.StatusCode != http.StatusAccepted {
		s.log("ERROR", "answer refused by the Runtime API", "request_id", requestID, "status", response.StatusCode)
	}
}

// failure is the invocation error for an error the gate returned: its own type when it names one.
func failure(err error) *Answer {
	errorType := ProxyErrorType
	var named NamedError
	if errors.As(err, &named) {
		errorType = named.ErrorType()
	}
	body, marshalErr := json.Marshal(map[string]any{"errorMessage": err.Error(), "errorType": errorType, "stackTrace": []string{}})
	if marshalErr != nil {
		body = []byte(fmt.Sprintf(`{"errorType":%q}`, errorType))
	}
	return &Answer{Error: true, ErrorType: errorType, Body: body}
}
