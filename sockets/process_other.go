//go:build !linux && !darwin

package sockets

import "net"

// peerProcess has no portable way to learn the peer here: "unknown".
func peerProcess(net.Conn) *Process { return nil }

// fillProcessesFromFDs has no fd tables to read here.
func fillProcessesFromFDs([]Socket) {}
