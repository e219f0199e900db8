//go:build !linux

package localserver

import "syscall"

// ChildProcAttr has nothing to add where the kernel cannot tie a child's
// life to ours; Close stops it.
func ChildProcAttr() *syscall.SysProcAttr { return nil }
