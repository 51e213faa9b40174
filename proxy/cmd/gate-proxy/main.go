// Command gate-proxy is the maintenance gate for runtimes other than Python: a Runtime
// API proxy between the function's runtime and Lambda (docs/runtimes.md, "How the
// proxy works").
//
// The exec wrapper starts it, reads the one line it writes to stdout (host:port, once
// listening), points AWS_LAMBDA_RUNTIME_API there and execs the runtime. Everything
// else the proxy says goes to stderr.
package main

import (
	"os"
	"runtime"

	"github.com/maintenance-gate/maintenance-gate/proxy/internal/config"
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/launch"
)

func main() {
	// One P: the proxy relays one invocation at a time, and with more each hand-off
	// between its goroutines may wake another thread, which the runtime and Lambda's
	// own agent are also waiting to be scheduled on (docs/runtimes.md, "The
	// pass-through path").
	runtime.GOMAXPROCS(1)
	os.Exit(launch.Run(config.Environ(), os.Stdout, os.Stderr, launch.Signals()))
}
