//go:build unix

package owned

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// noFollow makes the open itself refuse a symlink put at the path after
// the check.
const noFollow = syscall.O_NOFOLLOW

// filePrivateProblem says what keeps fi from being a private file of this
// user's; "" when nothing does.
func filePrivateProblem(fi fs.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return "it is a symbolic link"
	case !fi.Mode().IsRegular():
		return "it is not a regular file"
	case !ok:
		return ""
	case int(st.Uid) != os.Geteuid():
		return fmt.Sprintf("it is owned by %s, mode %s", userName(st.Uid), modeString(fi))
	case fi.Mode().Perm()&0o077 != 0:
		return fmt.Sprintf("its mode is %s (owner %s), open to group or others", modeString(fi), userName(st.Uid))
	}
	return ""
}
