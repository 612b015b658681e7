package ui

// The rows of the services tree: which the filter keeps, and where the
// cursor and the scroll offset may stand.

import (
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/reflection"
)

// applyFilter rebuilds the rows from the methods the filter keeps: those
// whose pkg.Service/Method holds every word of it, in any case. The cursor
// stays on its method while that is kept. The services left out of the
// listing take their place by name, with why under them.
func (p *servicesPane) applyFilter() {
	p.touch()
	var current protoreflect.MethodDescriptor
	if p.cursor >= 0 && p.cursor < len(p.rows) {
		current = p.rows[p.cursor].method
	}
	words := strings.Fields(strings.ToLower(p.filter.Value()))
	matches := func(name string) bool {
		name = strings.ToLower(name)
		for _, w := range words {
			if !strings.Contains(name, w) {
				return false
			}
		}
		return true
	}
	broken := p.broken
	addBroken := func(before string) {
		for len(broken) > 0 && (before == "" || broken[0].name < before) {
			if b := broken[0]; matches(b.name) {
				p.rows = append(p.rows, serviceRow{service: b.name})
				for _, line := range noteLines(b.why, p.width-2) {
					p.rows = append(p.rows, serviceRow{service: b.name, note: line})
				}
			}
			broken = broken[1:]
		}
	}
	p.rows = p.rows[:0]
	last := ""
	for _, md := range p.all {
		svc := string(md.Parent().FullName())
		if p.hidden[svc] {
			continue
		}
		if !matches(reflection.MethodName(md)) {
			continue
		}
		if svc != last {
			addBroken(svc)
			p.rows = append(p.rows, serviceRow{service: svc})
			last = svc
		}
		p.rows = append(p.rows, serviceRow{service: svc, method: md})
	}
	addBroken("")
	p.cursor = 0
	for i, r := range p.rows {
		if r.method != nil && r.method == current {
			p.cursor = i
		}
	}
	p.moveCursor(1, true)
	p.clampOffset()
}

// selectMethod puts the cursor on the method named, when the list has it.
func (p *servicesPane) selectMethod(name string) {
	for i, r := range p.rows {
		if r.method != nil && reflection.MethodName(r.method) == name {
			p.cursor = i
			p.clampOffset()
			p.touch()
			return
		}
	}
}

// filterShown says whether the filter line is on screen: while typing it,
// and while it keeps anything out.
func (p servicesPane) filterShown() bool { return p.filtering || p.filter.Value() != "" }

// clearFilter shows every method again.
func (p *servicesPane) clearFilter() {
	p.endTyping()
	p.filter.SetValue("")
	p.applyFilter()
}

// serviceNames are the socket's services, in order, whatever the filter.
func (p servicesPane) serviceNames() []string {
	var names []string
	for _, md := range p.all {
		if name := string(md.Parent().FullName()); len(names) == 0 || names[len(names)-1] != name {
			names = append(names, name)
		}
	}
	return names
}

// selected is the method under the cursor, or nil.
func (p servicesPane) selected() protoreflect.MethodDescriptor {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return nil
	}
	return p.rows[p.cursor].method
}

// moveCursor steps over service headings; fromHere also accepts the current row.
func (p *servicesPane) moveCursor(delta int, fromHere bool) {
	i := p.cursor
	if !fromHere {
		i += delta
	}
	for i >= 0 && i < len(p.rows) {
		if p.rows[i].method != nil {
			p.cursor = i
			p.clampOffset()
			return
		}
		i += delta
	}
}

func (p *servicesPane) clampOffset() {
	h := p.listHeight()
	if h <= 0 {
		return
	}
	// Keep the heading of the first visible method's service on screen when possible.
	if p.cursor < p.offset {
		p.offset = p.cursor
		if p.offset > 0 && p.rows[p.offset-1].method == nil {
			p.offset--
		}
	}
	if p.cursor >= p.offset+h {
		p.offset = p.cursor - h + 1
	}
	p.offset = max(0, min(p.offset, len(p.rows)-h))
}

func (p servicesPane) listHeight() int {
	h := p.height - 1 - len(p.extraLines())
	if p.filterShown() {
		h--
	}
	if p.askingSchema {
		h--
	}
	return h
}
