package tap

import (
	"net"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// peerClient asks the kernel who connected (SO_PEERCRED: the credentials of
// the process that called connect) and names its command from /proc.
func peerClient(conn net.Conn) Client {
	c := Client{UID: -1}
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return c
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return c
	}
	var cred *unix.Ucred
	ctlErr := raw.Control(func(fd uintptr) {
		cred, err = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if ctlErr != nil || err != nil || cred == nil {
		return c
	}
	c.PID, c.UID = int(cred.Pid), int(cred.Uid)
	if c.PID > 0 {
		// A pid of 0 is a client in a pid namespace this process cannot see.
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(c.PID) + "/comm"); err == nil {
			c.Command = strings.TrimRight(string(b), "\n")
		}
	}
	return c
}
