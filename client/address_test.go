package client

import (
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in   string
		want Target
	}{
		{"/run/app.sock", Target{Network: "unix", Address: "/run/app.sock"}},
		{"./rel.sock", Target{Network: "unix", Address: "./rel.sock"}},
		{"dir/socket", Target{Network: "unix", Address: "dir/socket"}},
		{"/tmp/no-extension", Target{Network: "unix", Address: "/tmp/no-extension"}},
		{"../up/x.sock", Target{Network: "unix", Address: "../up/x.sock"}},
		{"unix:///abs/x.sock", Target{Network: "unix", Address: "/abs/x.sock"}},
		{"unix:/abs/x.sock", Target{Network: "unix", Address: "/abs/x.sock"}},
		{"unix:rel.sock", Target{Network: "unix", Address: "rel.sock"}},
		{"unix:sub/rel.sock", Target{Network: "unix", Address: "sub/rel.sock"}},
		{"unix:@name", Target{Network: "unix", Address: "@name", Abstract: true}},
		{"unix-abstract:name", Target{Network: "unix", Address: "@name", Abstract: true}},
		{"@name", Target{Network: "unix", Address: "@name", Abstract: true}},
		{"@a/b", Target{Network: "unix", Address: "@a/b", Abstract: true}},
		{"localhost:50051", Target{Network: "tcp", Address: "localhost:50051"}},
		{"127.0.0.1:1", Target{Network: "tcp", Address: "127.0.0.1:1"}},
		{"[::1]:50051", Target{Network: "tcp", Address: "[::1]:50051"}},
		{":8080", Target{Network: "tcp", Address: ":8080"}},
		{"example.com:65535", Target{Network: "tcp", Address: "example.com:65535"}},
		{"[fe80::1%eth0]:9", Target{Network: "tcp", Address: "[fe80::1%eth0]:9"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAddress(tt.in)
			if err != nil {
				t.Fatalf("ParseAddress(%q) error: %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseAddress(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if got.String() != tt.want.Address {
				t.Errorf("String() = %q, want %q", got.String(), tt.want.Address)
			}
		})
	}
}

func TestParseAddressErrors(t *testing.T) {
	tests := []struct {
		in      string
		wantSub string // part of the message beyond the input itself
	}{
		{"", "empty address"},
		{"app.sock", "./app.sock"},
		{"localhost", "./localhost"},
		{"localhost:0", "1 to 65535"},
		{"localhost:65536", "1 to 65535"},
		{"localhost:http", "1 to 65535"},
		{"localhost:-1", "1 to 65535"},
		{"localhost:080", "1 to 65535"},
		{"localhost:", "1 to 65535"},
		{"::1:50051", "too many colons"},
		{"[::1:50051", "missing ']'"},
		{"[nothost]:1", "not an IPv6 address"},
		{"[127.0.0.1]:1", "not an IPv6 address"},
		{"unix:", "missing socket path"},
		{"unix://rel.sock", "absolute path"},
		{"unix-abstract:", "missing abstract socket name"},
		{"@", "missing abstract socket name"},
		{"a\x00/b", "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAddress(tt.in)
			if err == nil {
				t.Fatalf("ParseAddress(%q) = %+v, want error", tt.in, got)
			}
			if tt.in != "" && !strings.Contains(err.Error(), quoteForMessage(tt.in)) {
				t.Errorf("error %q does not name the input %q", err, tt.in)
			}
			if !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q does not contain %q", err, tt.wantSub)
			}
		})
	}
}

// quoteForMessage mirrors how errors quote the input (%q).
func quoteForMessage(s string) string {
	q := []byte{}
	q = append(q, '"')
	for _, r := range s {
		if r == 0 {
			q = append(q, `\x00`...)
			continue
		}
		q = append(q, string(r)...)
	}
	return string(append(q, '"'))
}

func FuzzParseAddress(f *testing.F) {
	for _, seed := range []string{
		"/run/x.sock", "./x.sock", "unix:///x", "unix:x", "unix:/x", "unix-abstract:x", "@x",
		"localhost:50051", "[::1]:50051", "x", "", ":", "[", "unix://", "a:b:c", "@", "unix:@",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		target, err := ParseAddress(s)
		if err != nil {
			if target != (Target{}) {
				t.Fatalf("ParseAddress(%q) returned %+v with error %v", s, target, err)
			}
			return
		}
		if target.Network != "unix" && target.Network != "tcp" {
			t.Fatalf("ParseAddress(%q): network %q", s, target.Network)
		}
		if target.Address == "" {
			t.Fatalf("ParseAddress(%q): empty address", s)
		}
		if target.Abstract != (target.Network == "unix" && strings.HasPrefix(target.Address, "@")) {
			t.Fatalf("ParseAddress(%q) = %+v: Abstract disagrees with the address", s, target)
		}
		// String gives back something that parses to the same target whenever it
		// is self-describing: abstract names, host:port, and paths with a slash.
		if target.Abstract || target.Network == "tcp" || strings.Contains(target.Address, "/") {
			again, err := ParseAddress(target.String())
			if err != nil {
				t.Fatalf("ParseAddress(%q) = %+v, but its String %q does not parse: %v", s, target, target.String(), err)
			}
			if again != target {
				t.Fatalf("round trip of %q: %+v became %+v", s, target, again)
			}
		}
	})
}
