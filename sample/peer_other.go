//go:build !linux

package sample

import "net"

// peerPID is unknown where the OS offers no SO_PEERCRED.
func peerPID(net.Conn) int { return 0 }
