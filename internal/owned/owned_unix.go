//go:build unix

package owned

import (
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// privateProblem says what keeps fi from being a private directory of this
// user's; "" when nothing does.
func privateProblem(fi fs.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return "it is a symbolic link"
	case !fi.IsDir():
		return "it is not a directory"
	case !ok:
		return ""
	case int(st.Uid) != os.Geteuid():
		return fmt.Sprintf("it is owned by %s, mode %s", userName(st.Uid), modeString(fi))
	case fi.Mode().Perm()&0o077 != 0:
		return fmt.Sprintf("its mode is %s (owner %s), open to group or others", modeString(fi), userName(st.Uid))
	}
	return ""
}

func userName(uid uint32) string {
	id := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(id); err == nil {
		return fmt.Sprintf("%s (uid %s)", u.Username, id)
	}
	return "uid " + id
}
