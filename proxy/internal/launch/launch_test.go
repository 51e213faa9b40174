package launch

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/config"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/runtimeapi"
)

// The test binary doubles as the proxy: run with GATE_PROXY_TEST_CHILD=1 it is the proxy
// process, so the tests can watch a real process start, answer, and die.
func TestMain(m *testing.M) {
	if os.Getenv("GATE_PROXY_TEST_CHILD") == "1" {
		os.Exit(Run(config.Environ(), os.Stdout, os.Stderr, Signals()))
	}
	os.Exit(m.Run())
}

type lambda struct {
	server    *httptest.Server
	mu        sync.Mutex
	initError []string // the error types posted to /runtime/init/error
}

func newLambda(t *testing.T) *lambda {
	l := &lambda{}
	l.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == runtimeapi.NextPath {
			<-r.Context().Done() // no invocation comes
			return
		}
		if r.URL.Path == runtimeapi.APIVersion+"/runtime/init/error" {
			l.mu.Lock()
			l.initError = append(l.initError, r.Header.Get(runtimeapi.HeaderErrorType))
			l.mu.Unlock()
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(l.server.Close)
	return l
}

func child(t *testing.T, l *lambda, extra ...string) (*exec.Cmd, *bufio.Reader, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append([]string{
		"GATE_PROXY_TEST_CHILD=1",
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(l.server.URL, "http://"),
		"GATE_PARAMETER_NAME=/gate/window", "GATE_TABLE_NAME=deferred",
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_REGION=us-east-1",
		"AWS_ENDPOINT_URL=http://127.0.0.1:1", // nothing listens: window reads fail at once
		"GATE_INIT_WAIT_MS=50",
	}, extra...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, bufio.NewReader(stdout), stderr
}

func readLine(t *testing.T, reader *bufio.Reader) (string, error) {
	t.Helper()
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := reader.ReadString('\n')
		done <- result{line, err}
	}()
	select {
	case r := <-done:
		return r.line, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("no line from the proxy within 10 s")
		return "", nil
	}
}

func TestTheProxyWritesOneAddressLineThenClosesStdout(t *testing.T) {
	_, stdout, _ := child(t, newLambda(t))
	line, err := readLine(t, stdout)
	if err != nil || !strings.HasPrefix(line, "127.0.0.1:") || !strings.HasSuffix(line, "\n") {
		t.Fatalf("readiness line %q (%v)", line, err)
	}
	rest, err := io.ReadAll(stdout)
	if err != nil || len(rest) != 0 {
		t.Fatalf("stdout after the line: %q (%v); everything else belongs on stderr", rest, err)
	}
}

func TestTheRuntimesNextFailsAtOnceWhenTheProxyDies(t *testing.T) {
	cmd, stdout, _ := child(t, newLambda(t))
	line, _ := readLine(t, stdout)
	failed := make(chan error, 1)
	go func() {
		response, err := http.Get("http://" + strings.TrimSpace(line) + runtimeapi.NextPath)
		if err == nil {
			_, err = io.ReadAll(response.Body)
			_ = response.Body.Close()
		}
		failed <- err
	}()
	time.Sleep(200 * time.Millisecond) // the runtime is waiting on /next
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-failed:
		if err == nil {
			t.Fatal("the runtime's /next succeeded against a dead proxy")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the runtime's /next hangs after the proxy died")
	}
}

func TestBadSettingsFailInitByNameAndNoAddressIsWritten(t *testing.T) {
	l := newLambda(t)
	cmd, stdout, stderr := child(t, l, "GATE_FAIL_MODE=sometimes")
	line, err := readLine(t, stdout)
	if line != "" || err != io.EOF {
		t.Fatalf("got line %q (%v), want none", line, err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("the proxy exited 0 with bad settings")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.initError) != 1 || l.initError[0] != "GateConfigError" {
		t.Fatalf("init errors posted: %v", l.initError)
	}
	if !strings.Contains(stderr.String(), "GATE_FAIL_MODE") {
		t.Fatalf("stderr does not name the setting: %s", stderr.String())
	}
}
