package clients

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	smithy "github.com/aws/smithy-go"
)

// Signed sends SigV4-signed requests to one service with the SDK's signer and
// credentials, for the two calls (SSM GetParameter, S3 PutObject) whose SDK clients
// would add 3.4 MB to the binary (measured: docs/runtimes.md, "How the proxy works").
type Signed struct {
	service  string
	region   string
	endpoint string // scheme://host[:port], no trailing slash
	http     aws.HTTPClient
	creds    aws.CredentialsProvider
	signer   *v4.Signer
	budget   Budget
}

// APIError is an error answer of the service: its code (as botocore names it), message and status.
type APIError struct {
	Code    string
	Message string
	Status  int
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Code, e.Message, e.Status)
}

// ErrorCode is the AWS error code, as smithy.APIError names it.
func (e *APIError) ErrorCode() string { return e.Code }

// ErrorMessage is the service's message.
func (e *APIError) ErrorMessage() string { return e.Message }

// ErrorFault is not told apart here; it completes smithy.APIError, so IsThrottle and ErrorCode read it.
func (e *APIError) ErrorFault() smithy.ErrorFault { return smithy.FaultUnknown }

var _ smithy.APIError = (*APIError)(nil)

func newSigned(env map[string]string, service, serviceID string, budget Budget, defaultEndpoint func(region string) string, escapePath bool) (*Signed, error) {
	cfg, err := Config(env, budget)
	if err != nil {
		return nil, err
	}
	endpoint := Endpoint(env, serviceID)
	if endpoint == "" {
		endpoint = defaultEndpoint(cfg.Region)
	}
	return &Signed{
		service: service, region: cfg.Region, endpoint: strings.TrimRight(endpoint, "/"),
		http: cfg.HTTPClient, creds: cfg.Credentials, budget: budget,
		signer: v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = !escapePath }),
	}, nil
}

// Do sends one request (retried within the budget) and returns the answer's body, or
// an *APIError for an error answer, or the transport's error.
func (c *Signed) Do(ctx context.Context, method, url string, header http.Header, body []byte) ([]byte, error) {
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	var lastErr error
	for attempt := 1; attempt <= c.budget.MaxAttempts; attempt++ {
		answer, err := c.once(ctx, method, url, header, body, payloadHash)
		if err == nil {
			return answer, nil
		}
		lastErr = err
		if attempt == c.budget.MaxAttempts || !c.retryable(err) || ctx.Err() != nil {
			break
		}
		// Full jitter on a small base, as botocore's standard mode.
		pause := time.Duration(rand.Float64() * float64(50*time.Millisecond<<attempt))
		select {
		case <-ctx.Done():
			return nil, lastErr
		case <-time.After(pause):
		}
	}
	return nil, lastErr
}

func (c *Signed) retryable(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return true // no answer: a connection failure or timeout
	}
	if IsThrottle(err) {
		return !c.budget.NoThrottleRetry
	}
	return apiErr.Status >= 500 || apiErr.Code == "RequestTimeout"
}

func (c *Signed) once(ctx context.Context, method, url string, header http.Header, body []byte, payloadHash string) ([]byte, error) {
	request, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for name, values := range header {
		request.Header[name] = values
	}
	request.Header.Set("User-Agent", userAgent)
	if c.service == "s3" {
		request.Header.Set("X-Amz-Content-Sha256", payloadHash)
	}
	credentials, err := c.creds.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.signer.SignHTTP(ctx, credentials, request, payloadHash, c.service, c.region, time.Now().UTC()); err != nil {
		return nil, err
	}
	response, err := c.http.Do(request)
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(response.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if response.StatusCode >= 300 {
		return nil, errorOf(response, answer)
	}
	return answer, nil
}

// errorOf names an error answer: AWS JSON's "__type" (after any "namespace#"), or
// S3's XML <Code>, else HTTP<status>.
func errorOf(response *http.Response, body []byte) *APIError {
	failure := &APIError{Code: fmt.Sprintf("HTTP%d", response.StatusCode), Status: response.StatusCode}
	var payload struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		MessageC string `json:"Message"`
	}
	if json.Unmarshal(body, &payload) == nil {
		if code := payload.Type + payload.Code; code != "" {
			failure.Code = code[strings.LastIndex(code, "#")+1:]
		}
		failure.Message = payload.Message + payload.MessageC
		return failure
	}
	if code := between(string(body), "<Code>", "</Code>"); code != "" {
		failure.Code = code
		failure.Message = between(string(body), "<Message>", "</Message>")
	}
	return failure
}

func between(text, open, close string) string {
	_, rest, found := strings.Cut(text, open)
	if !found {
		return ""
	}
	inside, _, _ := strings.Cut(rest, close)
	return inside
}
