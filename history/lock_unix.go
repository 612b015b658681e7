//go:build unix

package history

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"sockscope/internal/owned"
)

// lockWait bounds the wait for another sockscope's append: a call must
// never hang on its history, so after it the append gives up and the call
// says so in its warning.
const lockWait = 2 * time.Second

// lockFile takes an exclusive lock on path (a private file beside the
// history), so that two processes appending at once neither reuse an ID
// nor trim away each other's entries.
func lockFile(path string) (unlock func(), err error) {
	f, err := owned.OpenPrivateFile(path, os.O_RDWR)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("lock %s: another sockscope held it for %s", path, lockWait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
