package runtimeapi

import (
	"bytes"
	"io"
	"net/http"
	"net/textproto"
	"sync"
)

// hopByHop are the headers that describe one connection, not the message (RFC 9110
// section 7.6.1); net/http frames each side itself. Everything else passes unchanged.
var hopByHop = map[string]bool{
	"Connection":          true,
	"Proxy-Connection":    true,
	"Keep-Alive":          true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
}

func copyHeader(dst, src http.Header) {
	for name, values := range src {
		if hopByHop[textproto.CanonicalMIMEHeaderKey(name)] {
			continue
		}
		dst[name] = append([]string(nil), values...)
	}
}

// relayHeader is copyHeader for a request sent upstream on the runtime's behalf. Go
// writes its own User-Agent unless the header is present; present and empty, it writes
// none, so Lambda sees the runtime's (or no) User-Agent, never the proxy's.
func relayHeader(dst, src http.Header) {
	copyHeader(dst, src)
	if _, ok := dst["User-Agent"]; !ok {
		dst["User-Agent"] = []string{""}
	}
}

// forward sends the runtime's request upstream as it came and streams the answer back.
// A streamed /response (chunked, with Lambda-Runtime-Function-Error-Type/-Body
// trailers) keeps its chunks flowing and its trailers: the outgoing request shares the
// incoming one's trailer map, which net/http fills when the body ends and writes after it.
func (s *Server) forward(w http.ResponseWriter, r *http.Request) {
	url := "http://" + s.upstream + r.URL.RequestURI()
	var body io.Reader = r.Body
	switch {
	case r.ContentLength == 0 && len(r.TransferEncoding) == 0:
		body = http.NoBody
	case r.ContentLength > 0 && r.ContentLength <= wholeBodyLimit:
		// A body of known, small length is read whole first: net/http writes the
		// headers of a body it cannot see the end of in a write of their own, and
		// Lambda would be woken once for them and again for the body.
		pooled := copyBuffers.Get().(*[]byte)
		defer copyBuffers.Put(pooled)
		whole := (*pooled)[:r.ContentLength]
		if _, err := io.ReadFull(r.Body, whole); err != nil {
			s.log("WARNING", "runtime request body ended early", "path", r.URL.Path, "error", err.Error())
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = bytes.NewReader(whole)
	}
	outgoing, err := http.NewRequestWithContext(r.Context(), r.Method, url, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	relayHeader(outgoing.Header, r.Header)
	outgoing.ContentLength = r.ContentLength
	if r.ContentLength < 0 {
		// Chunked: trailers may follow, declared or not; one shared map carries them across.
		if r.Trailer == nil {
			r.Trailer = http.Header{}
		}
		outgoing.Trailer = r.Trailer
	}
	response, err := s.client.Do(outgoing)
	if err != nil {
		s.log("ERROR", "runtime api request failed", "path", r.URL.Path, "error", err.Error())
		http.Error(w, `{"errorMessage":"the Runtime API could not be reached","errorType":"`+ProxyErrorType+`"}`, http.StatusBadGateway)
		return
	}
	defer response.Body.Close()
	if r.URL.Path == RestorePath && response.StatusCode == http.StatusOK && s.afterRestore != nil {
		s.afterRestore()
	}
	copyHeader(w.Header(), response.Header)
	for name := range response.Trailer {
		w.Header().Add("Trailer", name)
	}
	w.WriteHeader(response.StatusCode)
	copyFlushing(w, response.Body)
	for name, values := range response.Trailer {
		w.Header()[name] = values
	}
}

// copyBuffers are copyFlushing's buffers, reused: a fresh 32 KB per forwarded request
// was most of what the pass-through path allocated.
var copyBuffers = sync.Pool{New: func() any { buffer := make([]byte, wholeBodyLimit); return &buffer }}

// wholeBodyLimit is the largest request body forward reads whole before sending it on
// (a typical response); a larger one, or a streamed one, is passed on as it arrives.
const wholeBodyLimit = 32 * 1024

// copyFlushing passes each read on at once, so a streamed body is never held back.
func copyFlushing(w http.ResponseWriter, body io.Reader) {
	flusher, _ := w.(http.Flusher)
	pooled := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(pooled)
	buffer := *pooled
	for {
		n, err := body.Read(buffer)
		if n > 0 {
			if _, writeErr := w.Write(buffer[:n]); writeErr != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}
