//go:build !linux

package benchtest

import "syscall"

// childProcAttr is the default elsewhere: only Linux kills a child with its
// parent.
func childProcAttr() *syscall.SysProcAttr { return nil }
