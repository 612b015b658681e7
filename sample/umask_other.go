//go:build !unix

package sample

// syscallUmask does nothing where there is no umask; Chmod still applies.
func syscallUmask(int) int { return 0 }
