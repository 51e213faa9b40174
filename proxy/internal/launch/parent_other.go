//go:build !linux

package launch

// dieWithParent has no portable form; Lambda is Linux.
func dieWithParent() {}
