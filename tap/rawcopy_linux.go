package tap

import (
	"errors"
	"io"
	"net"
	"syscall"
	"time"
	"unsafe"
)

// rawCopy forwards src to dst as copy does, for connections that expose
// their descriptors, reading and writing with raw system calls while the
// poller does the waiting. A read or write through the syscall package
// enters the scheduler's system-call state, and the first one after the
// process was idle wakes the runtime's monitor thread from its deep sleep,
// which then polls every few microseconds for a while: the tap is idle
// between two unary calls, so every call paid for those wake-ups, on CPUs
// its client and its server share (bench/tap.sh prints how often the tap
// is scheduled a call). The descriptors are non-blocking, so a raw call
// holds its thread no longer than copying one buffer takes. The pointers
// passed are to buf and b, which stay referenced, and Go's heap does not
// move. ok is false when either side has no descriptor (a TLS upstream),
// and copy does the work.
func (tc *tapConn) rawCopy(dir int, src, dst net.Conn) (ok bool) {
	rsrc, err1 := rawConnOf(src)
	rdst, err2 := rawConnOf(dst)
	if err1 != nil || err2 != nil {
		return false
	}
	buf := make([]byte, copyBufferSize)
	for {
		n, err := rawRead(rsrc, buf)
		if n > 0 {
			tc.offer(dir, buf[:n], time.Now())
			if werr := rawWriteAll(rdst, buf[:n]); werr != nil {
				tc.close()
				return true
			}
			tc.bytes[dir].Add(int64(n))
		}
		if err != nil {
			if errors.Is(err, io.EOF) && closeWrite(dst) == nil {
				return true
			}
			tc.close()
			return true
		}
	}
}

func rawConnOf(c net.Conn) (syscall.RawConn, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	return sc.SyscallConn()
}

// rawRead reads what is there, waiting in the poller while nothing is;
// io.EOF at the end of the stream.
func rawRead(rc syscall.RawConn, buf []byte) (int, error) {
	var n int
	var errno syscall.Errno
	err := rc.Read(func(fd uintptr) bool {
		for {
			r, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(len(buf)))
			if e == syscall.EINTR {
				continue
			}
			n, errno = int(r), e
			return e != syscall.EAGAIN
		}
	})
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, errno
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// rawWriteAll writes all of b, waiting in the poller while the socket's
// buffer is full.
func rawWriteAll(rc syscall.RawConn, b []byte) error {
	var errno syscall.Errno
	for len(b) > 0 && errno == 0 {
		err := rc.Write(func(fd uintptr) bool {
			for len(b) > 0 {
				r, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
				switch e {
				case 0:
					b = b[r:]
				case syscall.EINTR:
				case syscall.EAGAIN:
					return false
				default:
					errno = e
					return true
				}
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	if errno != 0 {
		return errno
	}
	return nil
}
