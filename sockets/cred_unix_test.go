//go:build unix

package sockets

import (
	"os/exec"
	"syscall"
	"testing"
)

func setCredentials(_ *testing.T, cmd *exec.Cmd, uid, gid uint32) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
}
