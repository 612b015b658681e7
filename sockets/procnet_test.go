package sockets

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

const sampleProcNetUnix = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 12345 /run/containerd/containerd.sock
0000000000000000: 00000003 00000000 00000000 0001 03 12346 /run/containerd/containerd.sock
0000000000000000: 00000002 00000000 00010000 0001 01    77 @/tmp/.X11-unix/X0
0000000000000000: 00000002 00000000 00000000 0002 01  9999 /run/systemd/notify
0000000000000000: 00000003 00000000 00000000 0001 03   121
0000000000000000: 00000002 00000000 00010000 0005 01  4242 /tmp/dir with spaces/ x.sock
garbage line
`

func TestParseProcNetUnix(t *testing.T) {
	entries, err := parseProcNetUnix(strings.NewReader(sampleProcNetUnix))
	if err != nil {
		t.Fatal(err)
	}
	want := []procEntry{
		{Flags: 0x10000, Type: 1, State: 1, Inode: 12345, Path: "/run/containerd/containerd.sock"},
		{Flags: 0, Type: 1, State: 3, Inode: 12346, Path: "/run/containerd/containerd.sock"},
		{Flags: 0x10000, Type: 1, State: 1, Inode: 77, Path: "@/tmp/.X11-unix/X0"},
		{Flags: 0, Type: 2, State: 1, Inode: 9999, Path: "/run/systemd/notify"},
		{Flags: 0, Type: 1, State: 3, Inode: 121},
		{Flags: 0x10000, Type: 5, State: 1, Inode: 4242, Path: "/tmp/dir with spaces/ x.sock"},
	}
	if fmt.Sprint(entries) != fmt.Sprint(want) {
		t.Fatalf("parsed\n%v\nwant\n%v", entries, want)
	}
	sum := summarizeProc(entries)
	if s := sum["/run/containerd/containerd.sock"]; !s.listening || s.socketType != TypeStream || fmt.Sprint(s.listenerInodes) != "[12345]" {
		t.Errorf("containerd summary %+v", s)
	}
	if s := sum["/run/systemd/notify"]; s.listening || s.socketType != TypeDatagram {
		t.Errorf("notify summary %+v", s)
	}
	if s := sum["/tmp/dir with spaces/ x.sock"]; !s.listening || s.socketType != TypeSeqPacket {
		t.Errorf("seqpacket summary %+v", s)
	}
	if len(sum) != 4 {
		t.Errorf("summary has %d paths, want 4 (unbound sockets have none)", len(sum))
	}
}

// formatProcLine writes an entry the way the kernel does.
func formatProcLine(e procEntry) string {
	line := fmt.Sprintf("0000000000000000: 00000002 00000000 %08X %04X %02X %5d", e.Flags, e.Type, e.State, e.Inode)
	if e.Path != "" {
		line += " " + e.Path
	}
	return line
}

func FuzzParseProcNetUnix(f *testing.F) {
	f.Add([]byte(sampleProcNetUnix))
	f.Add([]byte("Num RefCount\n0: 1 0 00010000 0001 01 1  \n"))
	f.Add([]byte("0000: 00000002 00000000 00010000 0001 01 99999999999999999999 /x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, _ := parseProcNetUnix(bytes.NewReader(data))
		summarizeProc(entries)
		// Whatever parsed must survive the kernel's formatting unchanged,
		// path spaces included.
		for _, e := range entries {
			if strings.Contains(e.Path, "\n") {
				t.Fatalf("path %q holds a line break", e.Path)
			}
			again, ok := parseProcNetUnixLine([]byte(formatProcLine(e)))
			if !ok || again != e {
				t.Fatalf("round trip of %+v gave %+v (ok %v)", e, again, ok)
			}
		}
	})
}
