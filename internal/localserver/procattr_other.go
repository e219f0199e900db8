//go:build !linux

package localserver

import "syscall"

// childProcAttr has nothing to add where the kernel cannot tie the server's
// life to ours; Close stops it.
func childProcAttr() *syscall.SysProcAttr { return nil }
