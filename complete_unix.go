//go:build unix

package main

import (
	"fmt"
	"io/fs"
	"os/exec"
	"syscall"
)

// fileIdentity is the device and inode of fi, which tell a socket from one
// created later at the same path.
func fileIdentity(fi fs.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	}
	return ""
}

// detach puts cmd in a session of its own, so that the terminal's signals
// (the user's next Ctrl-C) do not reach it.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}
