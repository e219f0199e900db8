package localserver

import "syscall"

// ChildProcAttr makes the kernel kill a child process if amrbench dies, so a
// killed benchmark never leaves a redis-server behind.
func ChildProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
