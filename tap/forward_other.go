//go:build !linux

package tap

// forward has no event loop here: copy does the work.
func (tc *tapConn) forward() bool { return false }
