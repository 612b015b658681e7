package sockets

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
)

// procNetUnixPath is where Linux lists this network namespace's unix sockets.
const procNetUnixPath = "/proc/net/unix"

// acceptConFlag is __SO_ACCEPTCON in the Flags column: the socket listens.
const acceptConFlag = 0x10000

// procEntry is one line of /proc/net/unix.
type procEntry struct {
	Flags uint32
	Type  uint16 // 1 stream, 2 datagram, 5 seqpacket
	State uint8
	Inode uint64
	// Path is the bound address: a file path as bound (it may be relative),
	// "@name" for an abstract socket, or empty for an unbound socket.
	Path string
}

// Listening reports whether the socket is a listener.
func (e procEntry) Listening() bool { return e.Flags&acceptConFlag != 0 }

// socketType names the entry's socket type.
func (e procEntry) socketType() string {
	switch e.Type {
	case 1:
		return TypeStream
	case 2:
		return TypeDatagram
	case 5:
		return TypeSeqPacket
	}
	return fmt.Sprintf("type %d", e.Type)
}

// parseProcNetUnix reads the /proc/net/unix format. Malformed lines are
// skipped: the table is the kernel's, and one odd line (say, a path holding a
// newline) must not hide the rest.
func parseProcNetUnix(r io.Reader) ([]procEntry, error) {
	var entries []procEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	first := true
	for sc.Scan() {
		line := sc.Bytes()
		if first {
			first = false
			if bytes.HasPrefix(line, []byte("Num")) {
				continue
			}
		}
		if e, ok := parseProcNetUnixLine(line); ok {
			entries = append(entries, e)
		}
	}
	if err := sc.Err(); err != nil {
		return entries, fmt.Errorf("read %s: %w", procNetUnixPath, err)
	}
	return entries, nil
}

// parseProcNetUnixLine parses
//
//	Num: RefCount Protocol Flags Type St Inode[ Path]
//
// The inode is right-aligned in a padded column and the path is everything
// after the single space that follows it, so a path may hold spaces (even
// lead with one).
func parseProcNetUnixLine(line []byte) (procEntry, bool) {
	var fields [7][]byte
	pos := 0
	for i := range fields {
		for pos < len(line) && line[pos] == ' ' {
			pos++
		}
		start := pos
		for pos < len(line) && line[pos] != ' ' {
			pos++
		}
		if start == pos {
			return procEntry{}, false
		}
		fields[i] = line[start:pos]
	}
	if !bytes.HasSuffix(fields[0], []byte(":")) {
		return procEntry{}, false
	}
	flags, err1 := strconv.ParseUint(string(fields[3]), 16, 32)
	typ, err2 := strconv.ParseUint(string(fields[4]), 16, 16)
	state, err3 := strconv.ParseUint(string(fields[5]), 16, 8)
	inode, err4 := strconv.ParseUint(string(fields[6]), 10, 64)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return procEntry{}, false
	}
	e := procEntry{Flags: uint32(flags), Type: uint16(typ), State: uint8(state), Inode: inode}
	if pos < len(line) {
		// line[pos] is the separating space.
		e.Path = string(line[pos+1:])
	}
	return e, true
}

// readProcNetUnix returns this network namespace's unix sockets, or ok=false
// when there is no /proc (macOS, Windows, a sandbox without it).
func readProcNetUnix() (entries []procEntry, ok bool, err error) {
	f, err := os.Open(procNetUnixPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("open %s: %w", procNetUnixPath, err)
	}
	defer f.Close()
	entries, err = parseProcNetUnix(f)
	return entries, err == nil, err
}

// procSummary is what /proc/net/unix says about one bound address. Accepted
// connections carry their listener's address, so one address has many lines.
type procSummary struct {
	listening  bool
	socketType string
	// listenerInodes are the sockfs inodes of the listeners, to find the
	// process holding them under /proc/<pid>/fd.
	listenerInodes []uint64
	// pid is a process holding a listener, when discovery looked it up.
	pid int
}

// summarizeProc groups entries by bound address.
func summarizeProc(entries []procEntry) map[string]*procSummary {
	byPath := make(map[string]*procSummary)
	for _, e := range entries {
		if e.Path == "" {
			continue
		}
		s := byPath[e.Path]
		if s == nil {
			s = &procSummary{socketType: e.socketType()}
			byPath[e.Path] = s
		}
		if e.Listening() {
			s.listening = true
			s.socketType = e.socketType()
			s.listenerInodes = append(s.listenerInodes, e.Inode)
		}
		if e.socketType() != TypeStream && !s.listening {
			// A bound datagram socket never listens; report its type even
			// if a stream line came first.
			s.socketType = e.socketType()
		}
	}
	return byPath
}
