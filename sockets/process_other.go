//go:build !linux && !darwin

package sockets

import "net"

// peerProcess has no portable way to learn the peer here: "unknown".
func peerProcess(net.Conn) *Process { return nil }

// fillProcessesFromFDs has no fd tables to read here.
func fillProcessesFromFDs([]Socket) {}

func listenerPIDs([]uint64) map[uint64]int { return nil }

func processCwd(int) string { return "" }

func processIDs(int) (uid, gid uint32, ok bool) { return 0, 0, false }

func processInfo(pid int) *Process { return &Process{PID: pid} }
