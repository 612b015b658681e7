//go:build !linux

package tap

import "net"

func (tc *tapConn) rawCopy(int, net.Conn, net.Conn) bool { return false }
