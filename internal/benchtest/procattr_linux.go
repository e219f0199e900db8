package benchtest

import "syscall"

// childProcAttr makes the kernel kill a fixture's process when the test
// binary dies, so no emulator outlives its tests.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
