package owned

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotPrivateFile is wrapped by OpenPrivateFile when the file exists but
// is not a private file of this user's.
var ErrNotPrivateFile = errors.New("not a private file of this user's")

// OpenPrivateFile opens the file at path with flag (os.O_RDWR|os.O_APPEND,
// say), creating it with mode 0600 when it does not exist. Like
// PrivateDir's directories, an existing file is used only when it is a
// regular file reached without a symlink, owned by this user and closed to
// group and others; otherwise it is refused with a message naming its
// owner and mode and left as it is. A file swapped in between the check and
// the open is refused too.
func OpenPrivateFile(path string, flag int) (*os.File, error) {
	before, err := os.Lstat(path)
	existed := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("file %s: %w", path, err)
	}
	if existed {
		if problem := filePrivateProblem(before); problem != "" {
			return nil, refuseFile(path, problem)
		}
	}
	f, err := os.OpenFile(path, flag|os.O_CREATE|noFollow, 0o600)
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", path, err)
	}
	opened, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("file %s: %w", path, err)
	}
	problem := filePrivateProblem(opened)
	if problem == "" && existed && !os.SameFile(before, opened) {
		problem = "it was replaced while being opened"
	}
	if problem != "" {
		f.Close()
		return nil, refuseFile(path, problem)
	}
	return f, nil
}

func refuseFile(path, problem string) error {
	return fmt.Errorf("refusing to use %s: %s; it must be a file of yours that no one else can read (remove it, or choose another path): %w",
		path, problem, ErrNotPrivateFile)
}
