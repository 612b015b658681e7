package client

import (
	"strings"
	"testing"

	"google.golang.org/grpc/metadata"
)

func TestParseHeaders(t *testing.T) {
	md, err := ParseHeaders([]string{
		"Authorization: Bearer abc",
		"x-trace:   one  ",
		"X-Trace: two",
		"empty:",
		"with-colon: a:b:c",
		"blob-bin: AAEC/w==",
		"raw-bin: AAEC/w",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := metadata.MD{
		"authorization": {"Bearer abc"},
		"x-trace":       {"one", "two"},
		"empty":         {""},
		"with-colon":    {"a:b:c"},
		"blob-bin":      {"\x00\x01\x02\xff"},
		"raw-bin":       {"\x00\x01\x02\xff"},
	}
	if len(md) != len(want) {
		t.Fatalf("got %d keys %v, want %d", len(md), md, len(want))
	}
	for k, v := range want {
		if strings.Join(md[k], "|") != strings.Join(v, "|") {
			t.Errorf("%s = %q, want %q", k, md[k], v)
		}
	}
}

func TestParseHeadersErrors(t *testing.T) {
	tests := []struct {
		line, wantSub string
	}{
		{"no colon here", "missing ':'"},
		{": value", "empty key"},
		{":authority: x", "pseudo-headers"},
		{"bad key: x", `contains ' '`},
		{"key/slash: x", `contains '/'`},
		{"grpc-timeout: 1S", "reserved"},
		{"k: caf\u00e9", "printable ASCII"},
		{"k: a\tb", "0x09"},
		{"k-bin: !!!", "not base64"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			md, err := ParseHeaders([]string{"ok: fine", tt.line})
			if err == nil {
				t.Fatalf("ParseHeaders(%q) = %v, want error", tt.line, md)
			}
			if !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q does not contain %q", err, tt.wantSub)
			}
			if !strings.Contains(err.Error(), "header ") || !strings.Contains(err.Error(), strings.Split(tt.line, ":")[0]) {
				t.Errorf("error %q does not name the line %q", err, tt.line)
			}
		})
	}
}

// TestParseHeadersErrorsHideValues: a rejected header is named by its
// position and key, never by its value, which may be a credential.
func TestParseHeadersErrorsHideValues(t *testing.T) {
	for _, line := range []string{"bad key: s3cr3t", "authorization: Bearer s3cr3t\x01", "k-bin: !!s3cr3t", "grpc-x: s3cr3t", ": s3cr3t"} {
		_, err := ParseHeaders([]string{line})
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("ParseHeaders(%q): %v, want an error that does not echo the value", line, err)
		}
	}
}
