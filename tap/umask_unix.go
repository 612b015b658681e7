//go:build unix

package tap

import "syscall"

func setUmask(mask int) int { return syscall.Umask(mask) }
