//go:build unix

package owned

import "syscall"

func setUmask(mask int) int { return syscall.Umask(mask) }
