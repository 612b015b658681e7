//go:build !unix

package tap

// setUmask does nothing where files have no Unix mode bits.
func setUmask(int) int { return 0 }
