//go:build unix

package sample

import "syscall"

func syscallUmask(mask int) int { return syscall.Umask(mask) }
