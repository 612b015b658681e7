package sockets

import (
	"bytes"
	"net"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"sockscope/internal/secret"
)

// peerProcess names the process at the other end of conn from SO_PEERCRED.
// The kernel records the credentials of whoever called listen(). A pid of
// 0 means the server lives in a pid namespace this process cannot see.
func peerProcess(conn net.Conn) *Process {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return nil
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return nil
	}
	var cred *unix.Ucred
	ctlErr := raw.Control(func(fd uintptr) {
		cred, err = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if ctlErr != nil || err != nil || cred == nil || cred.Pid <= 0 {
		return nil
	}
	return processInfo(int(cred.Pid))
}

// processInfo reads a process's name and command line; the pid alone is
// still worth reporting when /proc hides the rest.
func processInfo(pid int) *Process {
	p := &Process{PID: pid}
	dir := "/proc/" + strconv.Itoa(pid)
	if b, err := os.ReadFile(dir + "/comm"); err == nil {
		p.Comm = strings.TrimRight(string(b), "\n")
	}
	if b, err := os.ReadFile(dir + "/cmdline"); err == nil {
		// Another user's process may carry a credential on its command
		// line (--token X); the scan shows it masked, never in the clear.
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		p.Cmdline = strings.TrimSpace(strings.Join(secret.MaskArgs(args), " "))
	}
	return p
}

// fillProcessesFromFDs finds, for each listening socket without a process,
// the process holding its listener in /proc/<pid>/fd. Processes whose fd
// tables this user may not read are skipped, and their sockets keep no
// process.
func fillProcessesFromFDs(socks []Socket) {
	want := make(map[uint64]int) // listener inode -> index in socks
	for i := range socks {
		if socks[i].Process != nil {
			continue
		}
		for _, ino := range socks[i].inodes {
			want[ino] = i
		}
	}
	if len(want) == 0 {
		return
	}
	for ino, pid := range inodeOwners(want) {
		i := want[ino]
		if socks[i].Process == nil {
			socks[i].Process = processInfo(pid)
		}
	}
}

// inodeOwners maps each wanted socket inode to a pid holding it, stopping
// once all are found. Each fd table is read through its open directory,
// one readlinkat per entry: a whole /proc/<pid>/fd/<n> path per link costs
// the kernel a lookup of every component, for each of the thousands of
// descriptors on a busy machine.
func inodeOwners(want map[uint64]int) map[uint64]int {
	found := make(map[uint64]int)
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return found
	}
	link := make([]byte, 64)
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		dir, err := os.Open("/proc/" + p.Name() + "/fd")
		if err != nil {
			continue
		}
		fds, err := dir.Readdirnames(-1)
		if err != nil {
			dir.Close()
			continue
		}
		dirfd := int(dir.Fd())
		for _, fd := range fds {
			n, err := unix.Readlinkat(dirfd, fd, link)
			if err != nil || n >= len(link) {
				// Every socket's link ("socket:[inode]") fits; a longer
				// one is some other file.
				continue
			}
			ino, ok := socketInode(link[:n])
			if !ok {
				continue
			}
			if _, ok := want[ino]; ok {
				if _, seen := found[ino]; !seen {
					found[ino] = pid
				}
			}
		}
		dir.Close()
		if len(found) == len(want) {
			break
		}
	}
	return found
}

// socketInode parses a socket's fd link, "socket:[inode]".
func socketInode(link []byte) (uint64, bool) {
	digits, ok := bytes.CutPrefix(link, []byte("socket:["))
	if !ok {
		return 0, false
	}
	digits, ok = bytes.CutSuffix(digits, []byte("]"))
	if !ok {
		return 0, false
	}
	ino, err := strconv.ParseUint(string(digits), 10, 64)
	return ino, err == nil
}

// listenerPIDs maps each of the listener inodes to a process holding it,
// from the /proc fd tables this user may read.
func listenerPIDs(inodes []uint64) map[uint64]int {
	want := make(map[uint64]int, len(inodes))
	for _, ino := range inodes {
		want[ino] = 0
	}
	return inodeOwners(want)
}

// processCwd is a process's working directory, "" when /proc hides it.
func processCwd(pid int) string {
	dir, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd")
	if err != nil || !strings.HasPrefix(dir, "/") {
		return ""
	}
	return dir
}

// processIDs are the real user and group of a process, from
// /proc/<pid>/status.
func processIDs(pid int) (uid, gid uint32, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, false
	}
	var haveUID, haveGID bool
	for _, line := range strings.Split(string(b), "\n") {
		key, rest, found := strings.Cut(line, ":")
		fields := strings.Fields(rest)
		if !found || len(fields) == 0 {
			continue
		}
		n, err := strconv.ParseUint(fields[0], 10, 32)
		if err != nil {
			continue
		}
		switch key {
		case "Uid":
			uid, haveUID = uint32(n), true
		case "Gid":
			gid, haveGID = uint32(n), true
		}
	}
	return uid, gid, haveUID && haveGID
}
