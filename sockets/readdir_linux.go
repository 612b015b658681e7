package sockets

import (
	"encoding/binary"
	"io/fs"
	"os"
	"sync"
	"syscall"
)

// direntBuffers are reused across directories: a scan reads hundreds.
var direntBuffers = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// readDirSocketsAndDirs reads a directory with getdents64 and keeps only
// sockets and directories, allocating nothing for the other entries: a
// root with ten thousand stale sockets otherwise spends most of its time
// building DirEntry values. Entries of unknown type (some file systems do
// not report it) are looked up with lstat. Each batch's sockets go to pool
// to be statted while the rest is read.
func readDirSocketsAndDirs(dir string, pool *statPool) ([]dirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	bufp := direntBuffers.Get().(*[]byte)
	defer direntBuffers.Put(bufp)
	buf := *bufp
	fd := int(f.Fd())
	var out []dirEntry
	for {
		n, err := syscall.ReadDirent(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "readdirent", Path: dir, Err: err}
		}
		if n <= 0 {
			return out, nil
		}
		listed := len(out)
		out = appendDirents(out, dir, buf[:n])
		pool.submit(dir, out[listed:])
	}
}

// linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name.
const direntNameOffset = 19

func appendDirents(out []dirEntry, dir string, b []byte) []dirEntry {
	for len(b) >= direntNameOffset {
		reclen := int(binary.NativeEndian.Uint16(b[16:18]))
		if reclen < direntNameOffset || reclen > len(b) {
			break
		}
		rec := b[:reclen]
		b = b[reclen:]
		var typ fs.FileMode
		unknown := false
		switch rec[18] {
		case syscall.DT_SOCK:
			typ = fs.ModeSocket
		case syscall.DT_DIR:
			typ = fs.ModeDir
		case syscall.DT_UNKNOWN:
			unknown = true
		default:
			continue
		}
		name := rec[direntNameOffset:]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		if len(name) == 0 || string(name) == "." || string(name) == ".." {
			continue
		}
		e := dirEntry{name: string(name), typ: typ}
		if unknown {
			fi, err := os.Lstat(joinClean(dir, e.name))
			if err != nil {
				continue
			}
			if e.typ = fi.Mode().Type(); e.typ&fs.ModeSocket == 0 && !e.typ.IsDir() {
				continue
			}
		}
		out = append(out, e)
	}
	return out
}
