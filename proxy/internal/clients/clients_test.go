package clients

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type service struct {
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
	answers  []func(w http.ResponseWriter)
}

func (s *service) start(t *testing.T) *httptest.Server {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.requests = append(s.requests, r)
		s.bodies = append(s.bodies, string(body))
		answer := s.answers[min(len(s.requests), len(s.answers))-1]
		s.mu.Unlock()
		answer(w)
	}))
	t.Cleanup(server.Close)
	return server
}

func status(code int, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func environment(url string) map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
		"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": url,
	}
}

func TestGetParameterIsASignedJSONCallReturningTheValue(t *testing.T) {
	s := &service{answers: []func(http.ResponseWriter){status(200, `{"Parameter":{"Name":"/w","Value":"{\"mode\":\"live\"}","Version":3}}`)}}
	server := s.start(t)
	ssm, err := SSM(environment(server.URL), time.Second, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	value, err := ssm.GetParameter(context.Background(), "/w")
	if err != nil || value != `{"mode":"live"}` {
		t.Fatalf("got %q %v", value, err)
	}
	request := s.requests[0]
	if request.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameter" || s.bodies[0] != `{"Name":"/w"}` {
		t.Fatalf("request %v %q", request.Header, s.bodies[0])
	}
	authorization := request.Header.Get("Authorization")
	if !strings.HasPrefix(authorization, "AWS4-HMAC-SHA256 Credential=AKID/") || !strings.Contains(authorization, "/eu-west-1/ssm/aws4_request") || request.Header.Get("X-Amz-Security-Token") != "token" {
		t.Fatalf("not signed for ssm in eu-west-1: %q", authorization)
	}
}

func TestAThrottledReadIsNotRetriedButAServerErrorIsOnce(t *testing.T) {
	s := &service{answers: []func(http.ResponseWriter){status(400, `{"__type":"com.amazonaws.ssm#ThrottlingException","message":"Rate exceeded"}`)}}
	server := s.start(t)
	ssm, _ := SSM(environment(server.URL), time.Second, time.Second)
	_, err := ssm.GetParameter(context.Background(), "/w")
	var apiErr *APIError
	if err == nil || !IsThrottle(err) || len(s.requests) != 1 {
		t.Fatalf("err %v (%T), %d requests: a throttle is final within a read", err, apiErr, len(s.requests))
	}

	s2 := &service{answers: []func(http.ResponseWriter){status(500, `{"__type":"InternalServerError"}`), status(200, `{"Parameter":{"Value":"x"}}`)}}
	server2 := s2.start(t)
	ssm2, _ := SSM(environment(server2.URL), time.Second, time.Second)
	value, err := ssm2.GetParameter(context.Background(), "/w")
	if err != nil || value != "x" || len(s2.requests) != 2 {
		t.Fatalf("got %q %v after %d requests, want the retry's answer", value, err, len(s2.requests))
	}
}

func TestPutObjectIsPathStyleOnAConfiguredEndpointWithThePayloadHash(t *testing.T) {
	s := &service{answers: []func(http.ResponseWriter){status(200, "")}}
	server := s.start(t)
	bucket, err := S3(environment(server.URL))
	if err != nil {
		t.Fatal(err)
	}
	if err := bucket.PutObject(context.Background(), "overflow", "deferred/orders/req 1.json.z", []byte("body")); err != nil {
		t.Fatal(err)
	}
	request := s.requests[0]
	if request.Method != http.MethodPut || request.URL.EscapedPath() != "/overflow/deferred/orders/req%201.json.z" || s.bodies[0] != "body" {
		t.Fatalf("got %s %s %q", request.Method, request.URL.EscapedPath(), s.bodies[0])
	}
	if request.Header.Get("X-Amz-Content-Sha256") != "230d8358dc8e8890b4c58deeb62912ee2f20357ae92a5cc861b98e68fe31acb5" {
		t.Fatalf("payload hash %q", request.Header.Get("X-Amz-Content-Sha256"))
	}
}

func TestAnS3ErrorIsNamedFromItsXML(t *testing.T) {
	s := &service{answers: []func(http.ResponseWriter){status(403, `<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)}}
	server := s.start(t)
	bucket, _ := S3(environment(server.URL))
	err := bucket.PutObject(context.Background(), "overflow", "k", []byte("b"))
	if ErrorCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "Access Denied") {
		t.Fatalf("got %v", err)
	}
}

func TestACheckpointNamesTheExecutionInItsPath(t *testing.T) {
	s := &service{answers: []func(http.ResponseWriter){status(200, `{}`)}}
	server := s.start(t)
	durable, _ := Lambda(environment(server.URL))
	arn := "arn:aws:lambda:eu-west-1:123456789012:function:orders:1/durable-execution/a/b"
	if err := durable.Checkpoint(context.Background(), arn, "tok", "req-1", []CheckpointUpdate{{ID: "x", Type: "WAIT"}}); err != nil {
		t.Fatal(err)
	}
	want := "/2025-12-01/durable-executions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Aorders%3A1%2Fdurable-execution%2Fa%2Fb/checkpoint"
	if got := s.requests[0].URL.EscapedPath(); got != want {
		t.Fatalf("path %s", got)
	}
	if !strings.Contains(s.bodies[0], `"CheckpointToken":"tok"`) || !strings.Contains(s.bodies[0], `"ClientToken":"req-1"`) {
		t.Fatalf("body %s", s.bodies[0])
	}
}

func TestNoCredentialsIsNamed(t *testing.T) {
	if _, err := SSM(map[string]string{"AWS_REGION": "eu-west-1"}, time.Second, time.Second); err != ErrNoCredentials {
		t.Fatalf("got %v", err)
	}
}
