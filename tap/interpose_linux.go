package tap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// interposeSocket binds the tap's socket beside path with the owner and
// mode of the socket there, records both, and swaps the two names in one
// atomic step (renameat2's RENAME_EXCHANGE), so that no client ever finds
// the path missing.
func interposeSocket(path string) (*socketListener, interposeRecord, error) {
	rec := interposeRecord{Path: path, Aside: AsidePath(path), PID: os.Getpid()}
	fi, err := os.Lstat(path)
	switch {
	case err != nil:
		return nil, rec, fmt.Errorf("interpose on %s: %w", path, err)
	case fi.Mode().Type() == fs.ModeSymlink:
		return nil, rec, fmt.Errorf("interpose on %s: it is a symbolic link; name the socket it points to", path)
	case fi.Mode().Type() != fs.ModeSocket:
		return nil, rec, fmt.Errorf("interpose on %s: not a socket", path)
	}
	if _, err := os.Lstat(rec.Aside); err == nil {
		return nil, rec, fmt.Errorf("%s already exists: a tap is in front of %s, or one ended without putting it back (sockscope --tap %s --restore does)", rec.Aside, path, path)
	}
	if _, err := os.Stat(recordPath(path)); err == nil {
		return nil, rec, fmt.Errorf("a tap recorded standing in front of %s (%s): sockscope --tap %s --restore puts it back", path, recordPath(path), path)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, rec, fmt.Errorf("interpose on %s: its owner cannot be read", path)
	}
	ln, err := bindPrivate(rec.Aside)
	if err != nil {
		return nil, rec, err
	}
	fail := func(err error) (*socketListener, interposeRecord, error) {
		ln.Close()
		ln.remove()
		os.Remove(recordPath(path))
		return nil, rec, err
	}
	// The owner first, then the mode: the socket opens to the server's
	// clients only once it is theirs.
	if err := os.Lchown(rec.Aside, int(st.Uid), int(st.Gid)); err != nil {
		return fail(fmt.Errorf("give the tap's socket the owner of %s: %w", path, err))
	}
	if err := os.Chmod(rec.Aside, fi.Mode().Perm()); err != nil {
		return fail(fmt.Errorf("give the tap's socket the mode of %s: %w", path, err))
	}
	if rec.Tap, err = idOf(rec.Aside); err == nil {
		rec.Server, err = idOf(path)
	}
	if err != nil {
		return fail(err)
	}
	if err := writeRecord(rec); err != nil {
		return fail(err)
	}
	if err := exchange(rec.Aside, path); err != nil {
		return fail(fmt.Errorf("swap the tap's socket in for %s: %w", path, err))
	}
	if err := checkSwapped(path, rec.Tap, rec.Aside, rec.Server); err != nil {
		return fail(err)
	}
	// ln.remove still names the aside path, where the tap's socket will be
	// once it is swapped back.
	return ln, rec, nil
}

func exchange(a, b string) error {
	return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
}

func idOf(path string) (fileID, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return fileID{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, errors.ErrUnsupported
	}
	return fileID{Dev: uint64(st.Dev), Ino: st.Ino, MTime: fi.ModTime().UnixNano()}, nil
}
