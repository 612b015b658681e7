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
// prints thousands of lines. Several columns values, filled on different
// CPUs, are written as one table by writeColumns.
type columns struct {
	text  []byte  // the lines' cells, without tabs or newlines
	ends  []int32 // where each cell ends in text
	width []int32 // each cell's width in runes
	lines []int32 // where each line's cells start in ends
	pad   []int32 // per cell, the width it is padded to; -1 for a line's last cell
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
		c.ends = append(c.ends, int32(len(c.text)))
		c.width = append(c.width, int32(utf8.RuneCount(cell)))
		if i < 0 {
			return
		}
		line = line[i+1:]
	}
}

// cellsOf is where line l's cells are in ends.
func (c *columns) cellsOf(l int) (start, end int) {
	start = int(c.lines[l])
	end = len(c.ends)
	if l+1 < len(c.lines) {
		end = int(c.lines[l+1])
	}
	return start, end
}

// tabbed is how many of line l's cells a tab ends.
func (c *columns) tabbed(l int) int {
	start, end := c.cellsOf(l)
	return end - start - 1
}

// tableLine is one line of a table written from several parts.
type tableLine struct {
	part *columns
	l    int
}

func (t tableLine) tabbed() int { return t.part.tabbed(t.l) }

// cell is where the line's cell in column col is in its part's ends,
// width and pad.
func (t tableLine) cell(col int) int { return int(t.part.lines[t.l]) + col }

// tableLines walks the lines of parts in order, as one table's, without
// copying them into one: a large scan's rows are laid out in parts on
// every CPU, and a copy would be as large again. A copy of a tableLines
// walks again from where it was copied.
type tableLines struct {
	parts []*columns
	part  int
	l     int
}

func (it *tableLines) next() (tableLine, bool) {
	for it.part < len(it.parts) {
		if p := it.parts[it.part]; it.l < len(p.lines) {
			it.l++
			return tableLine{p, it.l - 1}, true
		}
		it.part, it.l = it.part+1, 0
	}
	return tableLine{}, false
}

// writeColumns writes the lines of parts, in order, laid out as one table,
// each ended by a newline.
func writeColumns(w io.Writer, parts ...*columns) error {
	const padding = 2
	maxTabbed := 0
	for _, p := range parts {
		p.pad = growFresh(p.pad[:0], len(p.ends))
		for range p.ends {
			p.pad = append(p.pad, -1)
		}
		for l := range p.lines {
			maxTabbed = max(maxTabbed, p.tabbed(l))
		}
	}
	// A column's width holds over each run of consecutive lines that have
	// a tab-ended cell in it, as tabwriter's column blocks do: lead finds
	// a run and its widest cell, then a copy taken at the run's start pads
	// it.
	for col := range maxTabbed {
		lead := tableLines{parts: parts}
		for {
			start := lead
			line, ok := lead.next()
			if !ok {
				break
			}
			if line.tabbed() <= col {
				continue
			}
			widest, n := int32(0), 0
			for ; ok && line.tabbed() > col; line, ok = lead.next() {
				widest = max(widest, line.part.width[line.cell(col)])
				n++
			}
			for range n {
				at, _ := start.next()
				at.part.pad[at.cell(col)] = widest + padding
			}
		}
	}
	var out []byte
	var spaces [64]byte
	for i := range spaces {
		spaces[i] = ' '
	}
	all := tableLines{parts: parts}
	for line, ok := all.next(); ok; line, ok = all.next() {
		c := line.part
		start, end := c.cellsOf(line.l)
		for i := start; i < end; i++ {
			from := int32(0)
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
