package clients

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

func awsSuffix(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// ParameterStore reads one parameter with SSM's GetParameter.
type ParameterStore struct{ signed *Signed }

// SSM is the window reader's client: the GATE_SSM_* timeouts, one immediate retry of a
// transient failure and none of a throttle, which the cache's back-off answers.
func SSM(env map[string]string, connect, read time.Duration) (*ParameterStore, error) {
	fips := ""
	if strings.EqualFold(env["AWS_USE_FIPS_ENDPOINT"], "true") {
		fips = "-fips"
	}
	signed, err := newSigned(env, "ssm", "SSM", Budget{Connect: connect, Read: read, MaxAttempts: SSMMaxAttempts, NoThrottleRetry: true},
		func(region string) string { return "https://ssm" + fips + "." + region + "." + awsSuffix(region) }, true)
	if err != nil {
		return nil, err
	}
	return &ParameterStore{signed}, nil
}

// GetParameter is the parameter's current value.
func (p *ParameterStore) GetParameter(ctx context.Context, name string) (string, error) {
	body, err := json.Marshal(map[string]string{"Name": name})
	if err != nil {
		return "", err
	}
	header := http.Header{}
	header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
	header.Set("Content-Type", "application/x-amz-json-1.1")
	answer, err := p.signed.Do(ctx, http.MethodPost, p.signed.endpoint+"/", header, body)
	if err != nil {
		return "", err
	}
	var output struct {
		Parameter *struct {
			Value *string `json:"Value"`
		} `json:"Parameter"`
	}
	if err := json.Unmarshal(answer, &output); err != nil || output.Parameter == nil || output.Parameter.Value == nil {
		return "", errors.New("GetParameter answered without a value")
	}
	return *output.Parameter.Value, nil
}

// Bucket puts objects with S3's PutObject.
type Bucket struct {
	signed    *Signed
	pathStyle bool
}

// S3 is the deferral store's overflow client, on the store's budget; path-style
// addressing where an endpoint is configured (a local server has no per-bucket hosts).
func S3(env map[string]string) (*Bucket, error) {
	signed, err := newSigned(env, "s3", "S3", StoreBudget,
		func(region string) string { return "https://s3." + region + "." + awsSuffix(region) }, false)
	if err != nil {
		return nil, err
	}
	return &Bucket{signed: signed, pathStyle: Endpoint(env, "S3") != ""}, nil
}

// PutObject stores body under key.
func (b *Bucket) PutObject(ctx context.Context, bucket, key string, body []byte) error {
	segments := strings.Split(key, "/")
	for i, segment := range segments {
		segments[i] = url.PathEscape(segment)
	}
	path := "/" + strings.Join(segments, "/")
	target := b.signed.endpoint + "/" + url.PathEscape(bucket) + path
	if !b.pathStyle && !strings.Contains(bucket, ".") {
		scheme, host, _ := strings.Cut(b.signed.endpoint, "://")
		target = scheme + "://" + bucket + "." + host + path
	}
	header := http.Header{}
	header.Set("Content-Type", "application/octet-stream")
	_, err := b.signed.Do(ctx, http.MethodPut, target, header, body)
	return err
}

// Durable makes CheckpointDurableExecution calls to Lambda's durable execution service.
type Durable struct{ signed *Signed }

// Lambda is the durable-hold client, on the store's budget.
func Lambda(env map[string]string) (*Durable, error) {
	signed, err := newSigned(env, "lambda", "LAMBDA", StoreBudget,
		func(region string) string { return "https://lambda." + region + "." + awsSuffix(region) }, true)
	if err != nil {
		return nil, err
	}
	return &Durable{signed}, nil
}

// CheckpointUpdate is one OperationUpdate of a checkpoint.
type CheckpointUpdate struct {
	ID          string `json:"Id"`
	Type        string `json:"Type"`
	SubType     string `json:"SubType"`
	Action      string `json:"Action"`
	Name        string `json:"Name"`
	WaitOptions struct {
		WaitSeconds int64 `json:"WaitSeconds"`
	} `json:"WaitOptions"`
}

// Checkpoint sends CheckpointDurableExecution for the execution arn.
func (d *Durable) Checkpoint(ctx context.Context, arn, checkpointToken, clientToken string, updates []CheckpointUpdate) error {
	body, err := json.Marshal(struct {
		CheckpointToken string             `json:"CheckpointToken"`
		ClientToken     string             `json:"ClientToken,omitempty"`
		Updates         []CheckpointUpdate `json:"Updates"`
	}{checkpointToken, clientToken, updates})
	if err != nil {
		return err
	}
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	label := strings.ReplaceAll(url.QueryEscape(arn), "+", "%20")
	_, err = d.signed.Do(ctx, http.MethodPost, d.signed.endpoint+"/2025-12-01/durable-executions/"+label+"/checkpoint", header, body)
	return err
}
