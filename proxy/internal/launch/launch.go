// Package launch starts the proxy: settings, the window cache, the store, the
// listener, the readiness line, and the process's end.
package launch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/clients"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/config"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/deferral"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/gate"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/runtimeapi"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/telemetry"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/window"
)

// DefaultAddress is a free port on the loopback: several environments may share a host.
const DefaultAddress = "127.0.0.1:0"

// Signals are the ones that end the proxy.
func Signals() <-chan os.Signal {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	return stop
}

// Run is the proxy's life; its result is the process's exit status.
func Run(env map[string]string, stdout io.WriteCloser, stderr io.Writer, stop <-chan os.Signal) int {
	log := telemetry.New(stderr, env)
	upstream := env["AWS_LAMBDA_RUNTIME_API"]
	if upstream == "" {
		log.Log("ERROR", "maintenance-gate-proxy cannot start", telemetry.F("error", "AWS_LAMBDA_RUNTIME_API is not set"))
		return 2
	}
	dieWithParent()
	cfg, err := config.FromEnv(env)
	if err != nil {
		return initFailed(log, upstream, "GateConfigError", err)
	}
	ssmClient, err := clients.SSM(env, seconds(cfg.SSMConnectTimeout), seconds(cfg.SSMReadTimeout))
	if err != nil {
		return initFailed(log, upstream, "GateConfigError", err)
	}
	source := window.NewSource(window.Reader(ssmClient, cfg.ParameterName), cfg, log)
	primed := make(chan struct{})
	go func() {
		defer close(primed)
		source.Prime() // bounded by GATE_INIT_WAIT_MS, overlapping the runtime's own start
	}()
	makeStore := func() (gate.Storer, error) {
		dynamo, err := clients.DynamoDB(env)
		if err != nil {
			return nil, err
		}
		makeS3 := func() (deferral.BucketAPI, error) { return clients.S3(env) }
		return deferral.NewStore(cfg.TableName, cfg.OverflowBucket, cfg.InlineLimitBytes, dynamo, makeS3), nil
	}
	address := env["GATE_PROXY_ADDRESS"]
	if address == "" {
		address = DefaultAddress
	}
	listener, err := net.Listen("tcp", address)
	if err != nil {
		return initFailed(log, upstream, "GateConfigError", fmt.Errorf("GATE_PROXY_ADDRESS=%q cannot be listened on: %w", address, err))
	}
	server := runtimeapi.NewServer(upstream, gate.New(cfg, env, primedSource{primed, source}, makeStore, log), fields(log))
	httpServer := &http.Server{Handler: server, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- httpServer.Serve(listener) }()
	// The readiness line: the wrapper waits for it (bounded) and exports it as AWS_LAMBDA_RUNTIME_API.
	if _, err := fmt.Fprintf(stdout, "%s\n", listener.Addr()); err != nil {
		log.Log("ERROR", "maintenance-gate-proxy could not say where it listens", telemetry.F("error", err.Error()))
		return 1
	}
	_ = stdout.Close()
	select {
	case err := <-served:
		log.Log("ERROR", "maintenance-gate-proxy stopped serving", telemetry.F("error", err.Error()))
		return 1
	case <-stop:
		server.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		_ = httpServer.Shutdown(ctx)
		return 0
	}
}

// primedSource holds the first decision until the init read is done (or its bound has
// passed), as the Python gate primes during init before any invocation.
type primedSource struct {
	primed <-chan struct{}
	source *window.Source
}

func (p primedSource) Current(deadline time.Time) window.Decision {
	<-p.primed
	return p.source.Current(deadline)
}

// initFailed reports the failure as the runtime would report an init error (so Lambda
// shows its type and message), logs it, and ends the proxy: the wrapper then fails init.
func initFailed(log *telemetry.Logger, upstream, errorType string, err error) int {
	log.Log("ERROR", "maintenance-gate-proxy cannot start", telemetry.F("error", err.Error()), telemetry.F("error_type", errorType))
	body, _ := json.Marshal(map[string]any{"errorMessage": err.Error(), "errorType": errorType, "stackTrace": []string{}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	request, requestErr := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+upstream+runtimeapi.APIVersion+"/runtime/init/error", bytes.NewReader(body))
	if requestErr == nil {
		request.Header.Set(runtimeapi.HeaderErrorType, errorType)
		request.Header.Set("Content-Type", "application/json")
		if response, postErr := (&http.Client{Transport: runtimeapi.NewTransport()}).Do(request); postErr == nil {
			_ = response.Body.Close()
		}
	}
	return 1
}

// fields adapts the telemetry logger to runtimeapi's key, value pairs.
func fields(log *telemetry.Logger) runtimeapi.Logger {
	return func(level, message string, pairs ...any) {
		list := make([]telemetry.Field, 0, len(pairs)/2)
		for i := 0; i+1 < len(pairs); i += 2 {
			key, _ := pairs[i].(string)
			list = append(list, telemetry.F(key, pairs[i+1]))
		}
		log.Log(level, message, list...)
	}
}

func seconds(value float64) time.Duration { return time.Duration(value * float64(time.Second)) }
