// Package owned keeps the directories and files sockscope creates for
// itself safe from other local users, as OpenSSH treats its own: a
// directory is used only when it is a real directory (never reached through
// a symlink), owned by this user and closed to group and others; a file is
// removed only while it is still the very file this process created.
package owned

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotPrivate is wrapped by PrivateDir when the directory exists but is
// not a private directory of this user's.
var ErrNotPrivate = errors.New("not a private directory of this user's")

// PrivateDir makes sure dir is a directory of this user's that nobody else
// can enter, creating it (mode 0700, and its missing parents) when it does
// not exist. An existing one that is a symlink, another user's, or open to
// group or others is refused with a message naming its owner and mode; it
// is never chmod'ed or followed.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return fmt.Errorf("directory %s: %w", filepath.Dir(dir), err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("directory %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("directory %s: %w", dir, err)
	}
	if problem := privateProblem(fi); problem != "" {
		return fmt.Errorf("refusing to use %s: %s; it must be a directory of yours that no one else can enter (remove it, or choose another path): %w",
			dir, problem, ErrNotPrivate)
	}
	return nil
}

// SharedDirWarning says why dir, which the user named, lets other users
// replace what is put in it (writable by group or others without the
// sticky bit); "" when it does not, or cannot be read.
func SharedDirWarning(dir string) string {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return ""
	}
	if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return fmt.Sprintf("%s is writable by other users (mode %s, no sticky bit): they can replace the socket", dir, modeString(fi))
	}
	return ""
}

func modeString(fi fs.FileInfo) string {
	mode := fi.Mode().Perm()
	if fi.Mode()&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return fmt.Sprintf("%04o", uint32(mode))
}

// Identity is what tells the file this process created from one someone
// put at the same path later (on Unix, its device and inode).
type Identity struct{ fi fs.FileInfo }

// matches says whether fi is the file id was taken of. An inode number can
// be reused once its file is deleted, so the type and modification time
// must agree too.
func (id Identity) matches(fi fs.FileInfo) bool {
	return id.fi != nil && os.SameFile(fi, id.fi) &&
		fi.Mode().Type() == id.fi.Mode().Type() && fi.ModTime().Equal(id.fi.ModTime())
}

// IdentityOf is the identity of the file at path itself (not a symlink's
// target).
func IdentityOf(path string) (Identity, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return Identity{}, err
	}
	return Identity{fi}, nil
}

// RemoveIfSame removes path only while it is still the file id names. When
// the path holds something else (or nothing), it is left alone and the
// returned note says so; a removal that fails is an error.
func RemoveIfSame(path string, id Identity) (note string, err error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("check %s before removing it: %w", path, err)
	}
	if !id.matches(fi) {
		return fmt.Sprintf("left %s in place: it is no longer the socket this process created", path), nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("remove %s: %w", path, err)
	}
	return "", nil
}
