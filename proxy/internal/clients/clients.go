// Package clients makes the proxy's AWS clients (SSM, DynamoDB, S3) with the same
// budgets as gate/aws.py and gate/window/reader.py, from the standard AWS settings, so
// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> reach a local moto server.
//
// DynamoDB is the SDK's client; SSM's GetParameter and S3's PutObject are signed with
// the SDK's signer and sent directly (signed.go), which keeps the binary under 10 MB.
// It deliberately skips the SDK's config package (shared files, SSO, STS, IMDS): a
// Lambda environment hands its credentials over in the environment, or (SnapStart,
// Managed Instances) through the container credentials endpoint, and nothing else is
// linked into the binary.
package clients

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	smithy "github.com/aws/smithy-go"
)

// The store's budgets (gate/aws.py): DynamoDB and S3 hold the event itself, so a little
// more patience before failing the invocation, still well inside a typical timeout.
const (
	StoreConnectTimeout = 2 * time.Second
	StoreReadTimeout    = 5 * time.Second
	StoreMaxAttempts    = 3
	// SSMMaxAttempts: a failed window read is tried once more at once, unless throttled.
	SSMMaxAttempts = 2
	userAgent      = "maintenance-gate"
)

// Budget is one client's connect and read timeouts and attempts.
type Budget struct {
	Connect     time.Duration
	Read        time.Duration
	MaxAttempts int
	// NoThrottleRetry: a throttled call fails at once. For the window reader, whose
	// cache backs off and reads again later: retrying within a read only adds load
	// where the limit (SSM's 40 TPS) is already reached.
	NoThrottleRetry bool
}

// ErrNoCredentials is returned when the environment carries no AWS credentials.
var ErrNoCredentials = errors.New("no AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_CONTAINER_CREDENTIALS_FULL_URI, must be set")

// Config is the aws.Config for one budget, from the environment.
func Config(env map[string]string, budget Budget) (aws.Config, error) {
	credentialsProvider, err := credentialsFrom(env)
	if err != nil {
		return aws.Config{}, err
	}
	region := env["AWS_REGION"]
	if region == "" {
		region = env["AWS_DEFAULT_REGION"]
	}
	if region == "" {
		region = "us-east-1"
	}
	httpClient := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = budget.Connect; d.KeepAlive = 30 * time.Second }).
		WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConnsPerHost = 8
			t.IdleConnTimeout = 90 * time.Second
			t.ResponseHeaderTimeout = budget.Read
		}).
		WithReadTimeout(budget.Read)
	return aws.Config{
		Region:      region,
		Credentials: aws.NewCredentialsCache(credentialsProvider),
		HTTPClient:  httpClient,
		Retryer:     func() aws.Retryer { return retryer(budget) },
		AppID:       userAgent,
	}, nil
}

func retryer(budget Budget) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = budget.MaxAttempts
		// No client-side token bucket: an outage must not turn into refusals to even try.
		o.RateLimiter = ratelimit.None
		if budget.NoThrottleRetry {
			// Checked first, so a throttle is final whatever the defaults say.
			o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(notThrottled)}, o.Retryables...)
		}
	})
}

func notThrottled(err error) aws.Ternary {
	if IsThrottle(err) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
}

// IsThrottle says whether AWS refused the call for its rate.
func IsThrottle(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	_, throttled := retry.DefaultThrottleErrorCodes[apiErr.ErrorCode()]
	return throttled
}

// ErrorCode is the AWS error code of err, else "" (gate.aws.error_code).
func ErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func credentialsFrom(env map[string]string) (aws.CredentialsProvider, error) {
	if env["AWS_ACCESS_KEY_ID"] != "" && env["AWS_SECRET_ACCESS_KEY"] != "" {
		return credentials.NewStaticCredentialsProvider(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"]), nil
	}
	if uri := env["AWS_CONTAINER_CREDENTIALS_FULL_URI"]; uri != "" {
		token := env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
		return endpointcreds.New(uri, func(o *endpointcreds.Options) {
			if token != "" {
				o.AuthorizationToken = token
			}
		}), nil
	}
	return nil, ErrNoCredentials
}

// Endpoint is the endpoint URL configured for a service (its AWS_ENDPOINT_URL_<ID>,
// else AWS_ENDPOINT_URL), "" when the SDK's own resolution applies.
func Endpoint(env map[string]string, serviceID string) string {
	if strings.EqualFold(env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"], "true") {
		return ""
	}
	if url := env["AWS_ENDPOINT_URL_"+serviceID]; url != "" {
		return url
	}
	return env["AWS_ENDPOINT_URL"]
}

func endpoint(env map[string]string, serviceID string) *string {
	if url := Endpoint(env, serviceID); url != "" {
		return aws.String(url)
	}
	return nil
}

// StoreBudget is the deferral store's budget.
var StoreBudget = Budget{Connect: StoreConnectTimeout, Read: StoreReadTimeout, MaxAttempts: StoreMaxAttempts}

// DynamoDB is the deferral store's table client.
func DynamoDB(env map[string]string) (*dynamodb.Client, error) {
	cfg, err := Config(env, StoreBudget)
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = endpoint(env, "DYNAMODB") }), nil
}
