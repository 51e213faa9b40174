//go:build unix

package runtimeapi

import (
	"net"
	"syscall"
)

// open tells whether a kept connection is still usable: the Runtime API may have
// closed it while idle (a read would see EOF), and a request written to it would be
// lost. One non-blocking peek, no bytes consumed.
func open(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return true
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	usable := false
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, peekErr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// Nothing to read is the only good answer: EOF means closed, and bytes
		// nobody asked for mean the connection is out of step.
		usable = peekErr == syscall.EAGAIN || peekErr == syscall.EWOULDBLOCK
		return true
	})
	return err == nil && usable
}
