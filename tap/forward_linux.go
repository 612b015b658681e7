package tap

import (
	"errors"
	"net"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// forward carries both directions of tc in an event loop of its own, on
// copies of the two sockets' descriptors taken out of Go's poller, and
// returns once both directions have ended or the connection was closed;
// false, having done nothing, when a side's descriptor cannot be copied,
// for copy to do the work.
//
// Why not two goroutines copying through the poller: a unary call through
// the tap is a few small reads and writes, and each hand-off through the
// runtime's scheduler costs thread wake-ups (the poller's thread, another
// to spin for the idle CPU, the monitor thread woken by the first system
// call after an idle spell); the poller also asks for write readiness on
// every socket, so each time a peer reads what the tap wrote, the tap is
// woken for nothing. Here the loop waits in epoll for reads only (writes
// only once a socket's buffer is full), and a hand-off is one wake-up of
// one thread (bench/tap.sh prints how often the tap is scheduled a call).
func (tc *tapConn) forward() bool {
	down, err := dupSocket(tc.down)
	if err != nil {
		return false
	}
	up, err := dupSocket(tc.up)
	if err != nil {
		unix.Close(down)
		return false
	}
	l, err := newForwardLoop(down, up)
	if err != nil {
		unix.Close(down)
		unix.Close(up)
		return false
	}
	tc.loopMu.Lock()
	closing := tc.loopClosing
	if !closing {
		tc.wakeLoop = l.wake
	}
	tc.loopMu.Unlock()
	// The originals leave the poller; the sockets stay open through the
	// copies until the loop ends.
	tc.down.Close()
	tc.up.Close()
	if !closing {
		l.run(tc)
	}
	tc.loopMu.Lock()
	tc.wakeLoop = nil
	tc.loopMu.Unlock()
	l.release()
	return true
}

// dupSocket is a non-blocking copy of c's descriptor.
func dupSocket(c net.Conn) (int, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return -1, errors.ErrUnsupported
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd, dupErr := -1, error(nil)
	if err := rc.Control(func(orig uintptr) { fd, dupErr = unix.FcntlInt(orig, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return -1, err
	}
	if dupErr != nil {
		return -1, dupErr
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// forwardLoop is one connection's event loop. Direction d reads fds[d]
// and writes fds[1-d]: fromClient reads the client's socket, fromServer
// the upstream's.
type forwardLoop struct {
	epoll, wakeFD int
	fds           [2]int
	buf           [2][]byte
	// pending is what direction d read and could not write yet, as part
	// of buf[d]; d reads no more until it is written.
	pending [2][]byte
	chunk   [2]int  // the size of the read being written, counted once it is
	ended   [2]bool // d read its end of stream and passed it on
	// interest is what epoll watches on fds[i]; zero when fds[i] is not
	// in the set, since epoll reports a hang-up even with no interest.
	interest [2]uint32
}

func newForwardLoop(down, up int) (*forwardLoop, error) {
	l := &forwardLoop{epoll: -1, wakeFD: -1, fds: [2]int{down, up}}
	var err error
	if l.epoll, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return nil, err
	}
	if l.wakeFD, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err == nil {
		err = unix.EpollCtl(l.epoll, unix.EPOLL_CTL_ADD, l.wakeFD, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(l.wakeFD)})
	}
	for i := range l.fds {
		if err == nil {
			err = l.watch(i)
		}
	}
	if err != nil {
		unix.Close(l.epoll)
		if l.wakeFD >= 0 {
			unix.Close(l.wakeFD)
		}
		return nil, err
	}
	l.buf = [2][]byte{make([]byte, copyBufferSize), make([]byte, copyBufferSize)}
	return l, nil
}

// wake ends run; tapConn.close calls it, under loopMu.
func (l *forwardLoop) wake() {
	one := [8]byte{1}
	unix.Write(l.wakeFD, one[:])
}

// release closes the loop's descriptors, the sockets' copies among them.
func (l *forwardLoop) release() {
	for _, fd := range []int{l.epoll, l.wakeFD, l.fds[0], l.fds[1]} {
		unix.Close(fd)
	}
}

// reading tells whether direction d is waiting for bytes to read.
func (l *forwardLoop) reading(d int) bool { return !l.ended[d] && l.pending[d] == nil }

// watch brings epoll's interest in fds[i] up to date: its reads while its
// direction reads, its writes while the other direction has bytes pending.
func (l *forwardLoop) watch(i int) error {
	var want uint32
	if l.reading(i) {
		want |= unix.EPOLLIN | unix.EPOLLRDHUP
	}
	if l.pending[1-i] != nil {
		want |= unix.EPOLLOUT
	}
	op := unix.EPOLL_CTL_MOD
	switch {
	case want == l.interest[i]:
		return nil
	case l.interest[i] == 0:
		op = unix.EPOLL_CTL_ADD
	case want == 0:
		op = unix.EPOLL_CTL_DEL
	}
	if err := unix.EpollCtl(l.epoll, op, l.fds[i], &unix.EpollEvent{Events: want, Fd: int32(l.fds[i])}); err != nil {
		return err
	}
	l.interest[i] = want
	return nil
}

// run forwards until both directions have ended (each passed on as a
// half-close), a socket fails, or wake is called.
func (l *forwardLoop) run(tc *tapConn) {
	var events [8]unix.EpollEvent
	for !l.ended[fromClient] || !l.ended[fromServer] {
		n, err := unix.EpollWait(l.epoll, events[:], -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return
		}
		for _, ev := range events[:n] {
			i := fromClient
			switch int(ev.Fd) {
			case l.wakeFD:
				return
			case l.fds[fromServer]:
				i = fromServer
			}
			if ev.Events&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0 && l.pending[1-i] != nil && !l.flush(tc, 1-i) {
				return
			}
			if ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLERR|unix.EPOLLHUP) != 0 && l.reading(i) && !l.pass(tc, i) {
				return
			}
		}
		for i := range l.fds {
			if l.watch(i) != nil {
				return
			}
		}
	}
}

// pass reads what direction d has and writes it on; false when the
// connection has to be cut.
func (l *forwardLoop) pass(tc *tapConn, d int) bool {
	n, errno := rawIO(unix.SYS_READ, l.fds[d], l.buf[d])
	switch {
	case errno == unix.EAGAIN || errno == unix.EINTR:
		return true
	case errno != 0:
		return false
	case n == 0:
		// The end of the stream, passed on as a half-close, so that the
		// answer can still come back.
		l.ended[d] = true
		return unix.Shutdown(l.fds[1-d], unix.SHUT_WR) == nil
	}
	// The copy is queued before the bytes go on, so that the parser sees
	// them before anything the peer does in answer.
	tc.offer(d, l.buf[d][:n], time.Now())
	l.pending[d], l.chunk[d] = l.buf[d][:n], n
	return l.flush(tc, d)
}

// flush writes what direction d has pending, as far as the socket takes
// it; false when the connection has to be cut.
func (l *forwardLoop) flush(tc *tapConn, d int) bool {
	for len(l.pending[d]) > 0 {
		n, errno := rawIO(unix.SYS_WRITE, l.fds[1-d], l.pending[d])
		switch errno {
		case 0:
			l.pending[d] = l.pending[d][n:]
		case unix.EINTR:
		case unix.EAGAIN:
			return true // the rest once epoll says the socket takes more
		default:
			return false
		}
	}
	l.pending[d] = nil
	tc.bytes[d].Add(int64(l.chunk[d]))
	return true
}

// rawIO reads or writes b with a raw system call, which never enters the
// scheduler's system-call state: the descriptors are non-blocking, so it
// holds its thread no longer than copying b takes. b is referenced by the
// caller throughout, and Go's heap does not move.
func rawIO(call uintptr, fd int, b []byte) (int, unix.Errno) {
	n, _, errno := unix.RawSyscall(call, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b)))
	return int(n), errno
}
