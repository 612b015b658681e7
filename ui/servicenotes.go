package ui

import (
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"sockscope/client"
	"sockscope/internal/safetext"
	"sockscope/reflection"
)

// The services pane's marks: services the listing left out (reflection
// lists them without describing them), those described by their built-in
// definition, those the server does not serve, and the connection's
// unverified TLS.

// brokenService is a service the server lists that the listing left out:
// what it is (not described, malformed) and why, as the server's
// reflection told.
type brokenService struct {
	name, what, why string
}

// newBrokenService reads a listing's *reflection.ServiceError (or any
// error naming no service) into a row's parts.
func newBrokenService(err error) brokenService {
	var se *reflection.ServiceError
	if !errors.As(err, &se) {
		return brokenService{name: "?", what: "left out", why: err.Error()}
	}
	b := brokenService{name: string(se.Service), what: "left out", why: se.Err.Error()}
	switch {
	case errors.Is(err, reflection.ErrUndescribed):
		b.what = "not described"
		b.why = strings.TrimPrefix(b.why, reflection.ErrUndescribed.Error()+": ")
	case errors.Is(err, reflection.ErrMalformedReflection):
		b.what = "malformed"
	}
	return b
}

// maxNoteRows bounds the lines of why under a broken service.
const maxNoteRows = 3

// setSchemaNotes marks the services the listing left out, those
// described by their built-in definition and those not served.
func (p *servicesPane) setSchemaNotes(leftOut []error, builtIn []string, notServed map[string]string) {
	p.broken = p.broken[:0]
	for _, err := range leftOut {
		p.broken = append(p.broken, newBrokenService(err))
	}
	p.builtIn = map[string]bool{}
	for _, name := range builtIn {
		p.builtIn[name] = true
	}
	p.notServed = notServed
	p.hideUnserved()
	p.applyFilter()
}

// setNotServed marks the services the server does not serve, as a call's
// answer told; their methods stay until the list is made again or u is
// pressed, so the cursor stays where it is.
func (p *servicesPane) setNotServed(notServed map[string]string) {
	if !maps.Equal(p.notServed, notServed) {
		p.notServed = notServed
		p.touch()
	}
}

// hideUnserved hides the methods of every service known not to be
// served, unless the user asked to see them all (--show-unserved).
func (p *servicesPane) hideUnserved() {
	p.hidden = map[string]bool{}
	if p.showUnserved {
		return
	}
	for name := range p.notServed {
		p.hidden[name] = true
	}
}

// toggleUnserved shows the methods of the services not served while some
// are hidden, and hides them otherwise.
func (p *servicesPane) toggleUnserved() {
	p.showUnserved = len(p.hidden) > 0
	p.hideUnserved()
	p.applyFilter()
}

// unservedNote says how many of the listed services are not served, and
// what u does about them; "" when every one is served.
func (p servicesPane) unservedNote() string {
	n, hidden := 0, 0
	for _, name := range p.serviceNames() {
		if _, no := p.notServed[name]; no {
			n++
		}
		if p.hidden[name] {
			hidden++
		}
	}
	switch {
	case hidden > 0:
		return fmt.Sprintf("%d not served, hidden (u shows them)", hidden)
	case n > 0:
		return fmt.Sprintf("%d not served (u hides them)", n)
	}
	return ""
}

// noteLines wraps why to width cells, on at most maxNoteRows lines, the
// last cut where it goes on.
func noteLines(why string, width int) []string {
	if width <= 0 {
		return nil
	}
	lines := strings.Split(wordwrap(safetext.Line(why), width), "\n")
	if len(lines) > maxNoteRows {
		lines = lines[:maxNoteRows]
		lines[maxNoteRows-1] = ansi.Truncate(lines[maxNoteRows-1]+" …", width, "…")
	}
	return lines
}

// extraLines are the pane's lines under its title: that the server's
// certificate is not verified, and how many services are not served.
func (p servicesPane) extraLines() []string {
	var lines []string
	if p.insecure {
		lines = append(lines, p.styles.Error.Render(truncate("⚠ TLS not verified (--insecure)", p.width)))
	}
	if note := p.unservedNote(); note != "" {
		lines = append(lines, p.styles.Dim.Render(truncate(note, p.width)))
	}
	return lines
}

// serviceHeading is the service's name, followed by what is worth a look:
// that the listing left it out, that the server does not serve it, its
// health when neither SERVING nor unknown to the health server, or that
// its built-in definition stands in for reflection's.
func (p servicesPane) serviceHeading(service string) string {
	mark, look := p.health[service], p.styles.Error
	if mark == "SERVING" || mark == client.ServiceUnknown {
		mark = ""
	}
	for _, b := range p.broken {
		if b.name == service {
			mark = b.what
		}
	}
	if _, no := p.notServed[service]; no {
		mark = "not served"
	}
	if mark == "" && p.builtIn[service] {
		mark, look = "built-in schema", p.styles.Dim
	}
	service = safeName(service)
	if mark == "" {
		return p.styles.Dim.Render(truncate(service, p.width))
	}
	mark = safeName(mark)
	name := truncate(service, p.width-ansi.StringWidth(mark)-1)
	return p.styles.Dim.Render(name) + " " + look.Render(mark)
}
