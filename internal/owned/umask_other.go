//go:build !unix

package owned

// setUmask does nothing where files have no Unix mode bits.
func setUmask(int) int { return 0 }
