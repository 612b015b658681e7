package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, ünïcode ✓":     "plain text, ünïcode ✓",
		"\x1b]52;c;aGk=\x07":        `\x1b]52;c;aGk=\x07`,
		"two\nlines\tand\rreturn":   `two\nlines\tand\rreturn`,
		"bad \xff byte":             `bad \xff byte`,
		"c1 \u009b31m and del \x7f": `c1 \u009b31m and del \x7f`,
		`a literal \x1b`:            `a literal \\x1b`,
	} {
		if got := Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Text("keeps\nlines\tand tabs \x1b[2J"); got != "keeps\nlines\tand tabs \\x1b[2J" {
		t.Errorf("Text = %q", got)
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("é", 6000) // 12,000 bytes
	got := Clip(long, 301)
	if !strings.HasSuffix(got, "…(12,000 bytes)") || !utf8.ValidString(got) || strings.Contains(got, `\x`) {
		t.Errorf("Clip cut badly: ...%q", got[len(got)-40:])
	}
	if len(got) > 400 {
		t.Errorf("Clip kept %d bytes", len(got))
	}
	if Clip("short", 300) != "short" {
		t.Error("a short text was changed")
	}
}

// FuzzLine: the output never holds a control character or invalid UTF-8,
// and distinct inputs stay distinct (the escaping can be undone).
func FuzzLine(f *testing.F) {
	for _, seed := range []string{"", "a\x1bb", "\xff\xfe", `\x1b`, "\u0085\n\t\\"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, out := range []string{Line(in), Text(in)} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 out of %q: %q", in, out)
			}
			for _, r := range out {
				if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
					t.Fatalf("control character %U out of %q", r, in)
				}
			}
		}
		if strings.ContainsAny(Line(in), "\n\t") {
			t.Fatalf("Line kept a newline or tab: %q", Line(in))
		}
		if back := unescape(t, Line(in)); back != in {
			t.Fatalf("Line(%q) = %q reads back as %q", in, Line(in), back)
		}
	})
}

// unescape reverses Line, which shows that no two inputs share an output.
func unescape(t *testing.T, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'x':
			b.WriteByte(hexByte(t, s[i+1:i+3]))
			i += 2
		case 'u':
			b.WriteRune(rune(hexByte(t, s[i+3:i+5])))
			i += 4
		default:
			t.Fatalf("unknown escape in %q", s)
		}
	}
	return b.String()
}

func hexByte(t *testing.T, h string) byte {
	var v byte
	for _, c := range []byte(h) {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | (c - '0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | (c - 'a' + 10)
		default:
			t.Fatalf("bad hex %q", h)
		}
	}
	return v
}
