package localserver

import "syscall"

// childProcAttr makes the kernel kill the server if amrbench dies, so a
// killed benchmark never leaves a redis-server behind.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
