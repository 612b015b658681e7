package sockets

import (
	"net"

	"golang.org/x/sys/unix"
)

// peerProcess asks the kernel for the pid of the process that set up the
// listener (LOCAL_PEERPID); there is no /proc for its name.
func peerProcess(conn net.Conn) *Process {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return nil
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return nil
	}
	pid := 0
	ctlErr := raw.Control(func(fd uintptr) {
		pid, err = unix.GetsockoptInt(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERPID)
	})
	if ctlErr != nil || err != nil || pid <= 0 {
		return nil
	}
	return &Process{PID: pid}
}

// fillProcessesFromFDs has no fd tables to read without /proc.
func fillProcessesFromFDs([]Socket) {}

func listenerPIDs([]uint64) map[uint64]int { return nil }

func processCwd(int) string { return "" }

func processIDs(int) (uid, gid uint32, ok bool) { return 0, 0, false }

func processInfo(pid int) *Process { return &Process{PID: pid} }
