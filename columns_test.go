package main

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"text/tabwriter"
)

// TestColumnsMatchTabwriter lays out the same lines with columns and with
// text/tabwriter as the scan table used it, for lines of different cell
// counts (so that column blocks start and end), empty cells, wide and
// multi-byte cells.
func TestColumnsMatchTabwriter(t *testing.T) {
	words := []string{"", "a", "grpc", "/run/containerd/containerd.sock", "héllo", "日本語", "\x1b[32mgrpc\x1b[0m", strings.Repeat("x", 150)}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var lines []string
		for range rng.IntN(12) + 1 {
			cells := make([]string, rng.IntN(7)+1)
			for i := range cells {
				cells[i] = words[rng.IntN(len(words))]
			}
			lines = append(lines, strings.Join(cells, "\t"))
		}
		var want bytes.Buffer
		tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
		for _, l := range lines {
			tw.Write([]byte(l + "\n"))
		}
		tw.Flush()
		var c columns
		for _, l := range lines {
			c.add([]byte(l))
		}
		var got bytes.Buffer
		if err := writeColumns(&got, &c); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Fatalf("round %d: lines %q\ngot:\n%s\nwant (tabwriter):\n%s", round, lines, got.String(), want.String())
		}

		// The same lines laid out in three parts, any of them empty, and
		// written as one table, as a large scan table is.
		cut1 := rng.IntN(len(lines) + 1)
		cut2 := cut1 + rng.IntN(len(lines)-cut1+1)
		parts := []*columns{{}, {}, {}}
		parts[0].reserve(1, 1, 1)
		for i, l := range lines {
			switch {
			case i < cut1:
				parts[0].add([]byte(l))
			case i < cut2:
				parts[1].add([]byte(l))
			default:
				parts[2].add([]byte(l))
			}
		}
		got.Reset()
		if err := writeColumns(&got, parts...); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Fatalf("round %d, parts cut after %d and %d lines: lines %q\ngot:\n%s\nwant (tabwriter):\n%s", round, cut1, cut2, lines, got.String(), want.String())
		}
	}
}
