package tap

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"sockscope/client"
	"sockscope/internal/owned"
	"sockscope/session"
	"sockscope/sockets"
)

// ErrNoRecord is wrapped by Restore when no tap recorded standing in front
// of the path.
var ErrNoRecord = errors.New("no record of a tap in front of it")

// fileID is what tells the socket put at a path from one put there later:
// device, inode and modification time, which renaming keeps.
type fileID struct {
	Dev   uint64 `json:"dev"`
	Ino   uint64 `json:"ino"`
	MTime int64  `json:"mtime_ns"`
}

// interposeRecord is what a tap in interpose mode writes before it swaps
// the sockets, so that Restore can put them back after a crash, checking
// each path holds what the tap put there.
type interposeRecord struct {
	Path   string `json:"path"`
	Aside  string `json:"aside"`
	PID    int    `json:"pid"`
	Server fileID `json:"server_socket"` // the server's socket, now at Aside
	Tap    fileID `json:"tap_socket"`    // the tap's socket, now at Path
}

// AsidePath is where interpose mode moves the socket at path.
func AsidePath(path string) string { return path + sockets.InterposedSuffix }

// recordPath is where the record of a tap in front of path is kept.
func recordPath(path string) string {
	sum := sha256.Sum256([]byte(path))
	return filepath.Join(DefaultDir(), "interposed-"+hex.EncodeToString(sum[:8])+".json")
}

func writeRecord(rec interposeRecord) error {
	if err := owned.PrivateDir(DefaultDir()); err != nil {
		return fmt.Errorf("the tap's record directory: %w", err)
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	path := recordPath(rec.Path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("record %s: %w", path, err)
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("record %s: %w", path, err)
	}
	return nil
}

func readRecord(path string) (interposeRecord, error) {
	var rec interposeRecord
	b, err := os.ReadFile(recordPath(path))
	if errors.Is(err, fs.ErrNotExist) {
		return rec, fmt.Errorf("%s: %w (records are kept in %s)", path, ErrNoRecord, DefaultDir())
	}
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(b, &rec); err != nil || rec.Path != path {
		return rec, fmt.Errorf("record %s does not read as the tap's record of %s", recordPath(path), path)
	}
	return rec, nil
}

// interpose puts the tap in front of the socket at cfg.Upstream.Address.
func (t *Tap) interpose() error {
	target, err := client.ParseAddress(t.cfg.Upstream.Address)
	if err != nil {
		return &session.UsageError{Err: err}
	}
	if target.Network != "unix" || target.Abstract {
		return &session.UsageError{Err: fmt.Errorf("--interpose needs a socket file, not %s", target)}
	}
	path, err := filepath.Abs(target.Address)
	if err != nil {
		return err
	}
	ln, rec, err := interposeSocket(path)
	if err != nil {
		return err
	}
	upstream := t.cfg.Upstream
	upstream.Address = rec.Aside
	dialer, err := session.NewStreamDialer(upstream)
	if err != nil {
		return err
	}
	t.cfg.Upstream = upstream
	t.dialer, t.ln, t.listen, t.upstream = dialer, ln, path, rec.Aside
	t.cleanup = func() (string, error) { return putBack(rec, ln.remove) }
	return nil
}

// Restore puts back the sockets of a tap that ended without doing so
// itself (it crashed, or was killed with SIGKILL), from the record the tap
// wrote: only when the path still holds the tap's socket and the renamed
// one is still the server's, and never while that tap still runs. note
// says what was done; an error says what was found instead and what was
// left as it is.
func Restore(path string) (note string, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rec, err := readRecord(abs)
	if err != nil {
		if errors.Is(err, ErrNoRecord) {
			if _, statErr := os.Lstat(AsidePath(abs)); statErr == nil {
				err = fmt.Errorf("%w; %s is there: if no tap runs, renaming it to %s puts the socket back", err, AsidePath(abs), abs)
			}
		}
		return "", err
	}
	if id, err := idOf(abs); err == nil && id == rec.Tap && tapAnswers(abs) {
		return "", fmt.Errorf("the tap (pid %d) in front of %s is still running: stop it (Ctrl-C, or kill %d) and it puts the socket back itself", rec.PID, abs, rec.PID)
	}
	return putBack(rec, func() (string, error) { return removeIfID(rec.Aside, rec.Tap) })
}

// putBack swaps the sockets back when each path holds what the tap put
// there, then removes the tap's socket (removeTap) and the record.
func putBack(rec interposeRecord, removeTap func() (string, error)) (string, error) {
	atPath, pathErr := idOf(rec.Path)
	atAside, asideErr := idOf(rec.Aside)
	switch {
	case pathErr == nil && atPath == rec.Tap && asideErr == nil && atAside == rec.Server:
		if err := exchange(rec.Aside, rec.Path); err != nil {
			return "", fmt.Errorf("put %s back: %w; it is still at %s", rec.Path, err, rec.Aside)
		}
		if err := checkSwapped(rec.Path, rec.Server, rec.Aside, rec.Tap); err != nil {
			return "", err
		}
		note, err := removeTap()
		os.Remove(recordPath(rec.Path))
		return joinNotes(fmt.Sprintf("put %s back where it was", rec.Path), note), err
	case asideErr != nil || atAside != rec.Server:
		// The server's socket is gone from beside the path: nothing to put
		// back, and the tap's own socket, if still there, goes.
		note := ""
		if pathErr == nil && atPath == rec.Tap {
			note, _ = removeIfID(rec.Path, rec.Tap)
		}
		os.Remove(recordPath(rec.Path))
		return note, fmt.Errorf("%s no longer holds the socket the tap moved there (the server removed or re-created it?): nothing was renamed back", rec.Aside)
	case pathErr != nil:
		os.Remove(recordPath(rec.Path))
		return "", fmt.Errorf("%s is gone (someone removed the tap's socket): nothing was renamed back; renaming %s to %s puts the server's socket back", rec.Path, rec.Aside, rec.Path)
	default:
		os.Remove(recordPath(rec.Path))
		return "", fmt.Errorf("%s now holds another socket (the server re-created it, most likely): nothing was renamed back; %s, the server's earlier socket, was left in place: remove it once nothing uses it", rec.Path, rec.Aside)
	}
}

// checkSwapped makes sure a swap did what it should, and undoes it when a
// path changed between the check and the swap.
func checkSwapped(a string, wantA fileID, b string, wantB fileID) error {
	idA, errA := idOf(a)
	idB, errB := idOf(b)
	if errA == nil && errB == nil && idA == wantA && idB == wantB {
		return nil
	}
	if err := exchange(a, b); err != nil {
		return fmt.Errorf("%s or %s changed while the tap swapped them, and swapping back failed: %w", a, b, err)
	}
	return fmt.Errorf("%s or %s changed while the tap swapped them: swapped back, nothing else done", a, b)
}

// removeIfID removes path only while it is the file id names.
func removeIfID(path string, id fileID) (string, error) {
	got, err := idOf(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil || got != id {
		return fmt.Sprintf("left %s in place: it is no longer the socket the tap created", path), nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("remove %s: %w", path, err)
	}
	return "", nil
}

// tapAnswers tells whether something accepts connections at path.
func tapAnswers(path string) bool {
	conn, err := dialPath(path)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}
