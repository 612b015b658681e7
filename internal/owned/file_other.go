//go:build !unix

package owned

import "io/fs"

// noFollow is not an open flag here; the Lstat before the open and the
// comparison after it still refuse a symlink.
const noFollow = 0

// filePrivateProblem checks what this platform's file information tells:
// a symlink or something other than a regular file; ownership and mode
// bits are not Unix ones.
func filePrivateProblem(fi fs.FileInfo) string {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return "it is a symbolic link"
	case !fi.Mode().IsRegular():
		return "it is not a regular file"
	}
	return ""
}
