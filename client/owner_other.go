//go:build !unix

package client

import (
	"fmt"
	"io/fs"
)

func describeOwner(fi fs.FileInfo) string {
	return fmt.Sprintf("mode %04o", fi.Mode().Perm())
}
