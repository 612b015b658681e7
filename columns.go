package main

import (
	"bytes"
	"io"
	"slices"
	"unicode/utf8"
)

// columns lays out lines of tab-separated cells as text/tabwriter does
// with padding 2, space padding and no flags: a cell that a tab ends is
// padded to two more than the widest such cell of its column among the
// consecutive lines that have one, widths counted in runes; the text after
// a line's last tab is written as it is. It keeps the text in one buffer
// and the cells as offsets, where tabwriter keeps a slice per cell and
// copies every byte through its state machine: the scan of a large root
// prints thousands of lines.
type columns struct {
	text  []byte  // the lines' cells, without tabs or newlines
	ends  []int   // where each cell ends in text
	width []int32 // each cell's width in runes
	lines []int32 // where each line's cells start in ends
	pad   []int32 // per cell, the width it is padded to; -1 for a line's last cell
	line  []int32 // scratch: tab-ended cells per line
}

// reserve makes room for lines more lines of cells cells and text bytes
// in all, so that a large table is not copied as it grows.
func (c *columns) reserve(lines, cells, text int) {
	c.text = growFresh(c.text, text)
	c.ends = growFresh(c.ends, cells)
	c.width = growFresh(c.width, cells)
	c.lines = growFresh(c.lines, lines)
}

// growFresh is slices.Grow, except that an empty slice gets a new array
// from make: append's growth clears the whole spare capacity, touching
// every page of a buffer sized for the largest table, where memory that
// make takes fresh from the system is left untouched until it is written.
func growFresh[T any](s []T, n int) []T {
	if cap(s) == 0 {
		return make([]T, 0, n)
	}
	return slices.Grow(s, n)
}

// add appends one line (without its newline) of tab-separated cells.
func (c *columns) add(line []byte) {
	c.lines = append(c.lines, int32(len(c.ends)))
	for {
		i := bytes.IndexByte(line, '\t')
		cell := line
		if i >= 0 {
			cell = line[:i]
		}
		c.text = append(c.text, cell...)
		c.ends = append(c.ends, len(c.text))
		c.width = append(c.width, int32(utf8.RuneCount(cell)))
		if i < 0 {
			return
		}
		line = line[i+1:]
	}
}

// appendLines appends the lines of o after c's, as if each had been added
// to c in turn.
func (c *columns) appendLines(o *columns) {
	textBase, cellBase := len(c.text), int32(len(c.ends))
	c.text = append(c.text, o.text...)
	for _, end := range o.ends {
		c.ends = append(c.ends, end+textBase)
	}
	c.width = append(c.width, o.width...)
	for _, start := range o.lines {
		c.lines = append(c.lines, start+cellBase)
	}
}

// writeTo writes the lines laid out, each ended by a newline.
func (c *columns) writeTo(w io.Writer) error {
	const padding = 2
	n := len(c.lines)
	cellsOf := func(l int) (start, end int) {
		start = int(c.lines[l])
		end = len(c.ends)
		if l+1 < n {
			end = int(c.lines[l+1])
		}
		return start, end
	}
	c.pad = growFresh(c.pad[:0], len(c.ends))
	for range c.ends {
		c.pad = append(c.pad, -1)
	}
	tabbed := growFresh(c.line[:0], n)
	maxTabbed := 0
	for l := range n {
		start, end := cellsOf(l)
		tabbed = append(tabbed, int32(end-start-1))
		maxTabbed = max(maxTabbed, end-start-1)
	}
	c.line = tabbed
	// A column's width holds over each run of consecutive lines that have
	// a tab-ended cell in it, as tabwriter's column blocks do.
	for col := range maxTabbed {
		for l := 0; l < n; {
			if int(tabbed[l]) <= col {
				l++
				continue
			}
			first, widest := l, int32(0)
			for ; l < n && int(tabbed[l]) > col; l++ {
				widest = max(widest, c.width[int(c.lines[l])+col])
			}
			for k := first; k < l; k++ {
				c.pad[int(c.lines[k])+col] = widest + padding
			}
		}
	}
	var out []byte
	var spaces [64]byte
	for i := range spaces {
		spaces[i] = ' '
	}
	for l := range n {
		start, end := cellsOf(l)
		for i := start; i < end; i++ {
			from := 0
			if i > 0 {
				from = c.ends[i-1]
			}
			out = append(out, c.text[from:c.ends[i]]...)
			for gap := int(c.pad[i] - c.width[i]); gap > 0; gap -= len(spaces) {
				out = append(out, spaces[:min(gap, len(spaces))]...)
			}
		}
		out = append(out, '\n')
		if len(out) >= 32<<10 {
			if _, err := w.Write(out); err != nil {
				return err
			}
			out = out[:0]
		}
	}
	_, err := w.Write(out)
	return err
}
