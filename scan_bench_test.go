package main

import (
	"fmt"
	"io"
	"testing"

	"sockscope/sockets"
)

// BenchmarkScanTable is printing a scan of 10,000 stale sockets, as
// bench/scan.sh's --no-probe run does after discovery.
func BenchmarkScanTable(b *testing.B) {
	owner := &sockets.Owner{User: "root", Group: "root", Mode: "0755"}
	scan := &sockets.Scan{ProcNetUnix: true, RootsRead: 1}
	for i := range 10000 {
		scan.Sockets = append(scan.Sockets, sockets.Socket{Path: fmt.Sprintf("/tmp/ssscan.x/root/stale/s%05d.sock", i), Kind: sockets.KindUnprobed, Owner: owner})
	}
	b.ReportAllocs()
	for b.Loop() {
		writeScanTable(io.Discard, scan, listingOrder(scan.Sockets), false)
	}
}
