//go:build unix

package client

import (
	"fmt"
	"io/fs"
	"syscall"
)

func describeOwner(fi fs.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("owner uid %d gid %d, mode %04o", st.Uid, st.Gid, fi.Mode().Perm())
	}
	return fmt.Sprintf("mode %04o", fi.Mode().Perm())
}
