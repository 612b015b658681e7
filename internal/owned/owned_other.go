//go:build !unix

package owned

import "io/fs"

// privateProblem checks what this platform's file information tells: a
// symlink or a non-directory; ownership and mode bits are not Unix ones.
func privateProblem(fi fs.FileInfo) string {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return "it is a symbolic link"
	case !fi.IsDir():
		return "it is not a directory"
	}
	return ""
}

// identity cannot tell files apart here; RemoveIfSame then leaves the path
// alone rather than guess.
