package launch

import (
	"os"
	"syscall"
)

// dieWithParent asks the kernel to end the proxy when the runtime (its parent after the
// wrapper's exec) ends, so no proxy outlives its function's process.
func dieWithParent() {
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
	if os.Getppid() == 1 {
		os.Exit(1) // the parent had already gone
	}
}
