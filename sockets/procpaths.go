package sockets

import (
	"path/filepath"
	"strings"
)

// applyProc gives s what /proc says of its address: listening, its type,
// its listeners' inodes and, when discovery learned it, its process.
func applyProc(s *Socket, sum *procSummary, procs processCache) {
	listening, fromProc := sum.listening, sum.listening
	s.Listening, s.procListening = &listening, &fromProc
	s.SocketType = sum.socketType
	s.inodes = sum.listenerInodes
	if sum.pid > 0 && s.Process == nil {
		s.Process = procs.info(sum.pid)
	}
}

// processCache reads each process's name and command line once per scan:
// one daemon often listens on many sockets. Each socket gets its own copy.
type processCache map[int]*Process

func (c processCache) info(pid int) *Process {
	p, ok := c[pid]
	if !ok {
		p = processInfo(pid)
		c[pid] = p
	}
	cp := *p
	return &cp
}

// findListeners learns, from the /proc fd tables, the process that holds
// each listener bound by a relative path, and re-keys it by the path
// relative to that process's working directory, so that it matches the
// file found under a root: etcd binds unix://etcd.sock:0 relative to its
// own. With withOwners the processes of abstract listeners are learned
// too, which are then their owners, and with withFileOwners those of
// listeners bound by an absolute path. One pass over the tables serves all.
func findListeners(byPath map[string]*procSummary, withOwners, withFileOwners bool) {
	var inodes []uint64
	for path, sum := range byPath {
		relative := path != "" && !strings.HasPrefix(path, "@") && !filepath.IsAbs(path)
		abstract := strings.HasPrefix(path, "@")
		if sum.listening && (relative || withOwners && abstract || withFileOwners && !abstract && !relative) {
			inodes = append(inodes, sum.listenerInodes...)
		}
	}
	if len(inodes) == 0 {
		return
	}
	pids := listenerPIDs(inodes)
	for path, sum := range byPath {
		if strings.HasPrefix(path, "@") || filepath.IsAbs(path) {
			for _, ino := range sum.listenerInodes {
				if pid, ok := pids[ino]; ok {
					sum.pid = pid
					break
				}
			}
			continue
		}
		// Processes in different directories may bind the same relative
		// name: each listener goes where its own process works.
		moved := false
		for _, ino := range sum.listenerInodes {
			pid, ok := pids[ino]
			cwd := processCwd(pid)
			if !ok || cwd == "" {
				continue
			}
			moved = true
			abs := filepath.Join(cwd, path)
			one := &procSummary{listening: true, socketType: sum.socketType, listenerInodes: []uint64{ino}, pid: pid}
			if prev, ok := byPath[abs]; ok {
				mergeSummary(prev, one)
				continue
			}
			byPath[abs] = one
		}
		if moved {
			delete(byPath, path)
		}
	}
}

// abstractOwner is the owner of an abstract socket: the user and group of
// the process that listens on it, when known. It has no file mode.
func abstractOwner(owners *ownerCache, pid int) *Owner {
	if pid <= 0 {
		return nil
	}
	uid, gid, ok := processIDs(pid)
	if !ok {
		return nil
	}
	return &Owner{UID: uid, GID: gid, User: owners.userName(uid), Group: owners.groupName(gid)}
}

// canonicalProcPaths re-keys /proc paths by their directory with links
// resolved, so a socket bound as /var/run/x.sock matches the file found as
// /run/x.sock. Relative paths (bound relative to an unknown working
// directory) and abstract names are kept as they are.
func canonicalProcPaths(byPath map[string]*procSummary) map[string]*procSummary {
	resolvedDirs := make(map[string]string)
	out := make(map[string]*procSummary, len(byPath))
	for p, sum := range byPath {
		key := p
		if filepath.IsAbs(p) {
			dir := filepath.Dir(p)
			rdir, ok := resolvedDirs[dir]
			if !ok {
				if r, err := filepath.EvalSymlinks(dir); err == nil {
					rdir = r
				} else {
					rdir = dir
				}
				resolvedDirs[dir] = rdir
			}
			key = filepath.Join(rdir, filepath.Base(p))
		}
		if prev, ok := out[key]; ok {
			mergeSummary(prev, sum)
			continue
		}
		out[key] = sum
	}
	return out
}

func mergeSummary(into, from *procSummary) {
	if from.listening && !into.listening {
		into.socketType = from.socketType
	}
	into.listening = into.listening || from.listening
	if into.pid == 0 {
		into.pid = from.pid
	}
	into.listenerInodes = append(into.listenerInodes, from.listenerInodes...)
}
