package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"sockscope/internal/grpcservices"
	"sockscope/internal/safetext"
	"sockscope/sockets"
)

// scanOptions are the --scan flags.
type scanOptions struct {
	sockets.Options
	json bool
	// color is decided by the caller: stdout is a terminal and NO_COLOR is unset.
	color bool
}

// exitInterrupted is the status of a scan Ctrl-C cut short, as a shell
// reports a process SIGINT ended.
const exitInterrupted = 130

// runScan prints the scan and returns the exit status: 0, even when some
// sockets could not be probed; 1 when no root could be read or --max-time
// cut the scan short; 130 when Ctrl-C did. A scan cut short still prints
// what it found, the unfinished sockets as "pending".
func runScan(ctx context.Context, opts scanOptions, stdout, stderr io.Writer) int {
	scan, updates, err := sockets.Start(ctx, opts.Options)
	if err != nil {
		fmt.Fprintf(stderr, "sockscope: scan: %v\n", err)
		return exitFailure
	}
	for s := range updates {
		scan.Update(s)
	}
	for _, w := range scan.Warnings {
		fmt.Fprintf(stderr, "sockscope: %s\n", w)
	}
	order := listingOrder(scan.Sockets)

	out := bufio.NewWriterSize(stdout, 64<<10)
	if opts.json {
		if err := writeScanJSON(out, scan.Sockets, order); err != nil {
			fmt.Fprintf(stderr, "sockscope: %v\n", err)
			return exitFailure
		}
		if n := len(scan.UnreadableDirs); n > 0 {
			fmt.Fprintf(stderr, "sockscope: %s\n", unreadableNote(scan.UnreadableDirs))
		}
	} else {
		writeScanTable(out, scan, order, opts.color)
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(stderr, "sockscope: %v\n", err)
		return exitFailure
	}

	if scan.RootsRead == 0 {
		fmt.Fprintln(stderr, "sockscope: no scan root could be read")
		return exitFailure
	}
	if err := ctx.Err(); err != nil {
		pending := 0
		for _, s := range scan.Sockets {
			if s.Kind == sockets.KindPending {
				pending++
			}
		}
		if errors.Is(err, context.DeadlineExceeded) {
			fmt.Fprintf(stderr, "sockscope: the scan ran out of --max-time; %d of %d sockets are still pending\n", pending, len(scan.Sockets))
			return exitFailure
		}
		fmt.Fprintf(stderr, "sockscope: the scan was interrupted; %d of %d sockets are still pending\n", pending, len(scan.Sockets))
		return exitInterrupted
	}
	return exitOK
}

// listingOrder is the order sockets are listed in (see
// sockets.CompareForListing), as indexes, so sorting moves ints rather than
// the large structs.
func listingOrder(socks []sockets.Socket) []int {
	order := make([]int, len(socks))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return sockets.CompareForListing(&socks[i], &socks[j]) })
	return order
}

// writeScanJSON writes one JSON array with an object a line: valid for any
// JSON reader, greppable, and cheap however many sockets there are.
func writeScanJSON(w io.Writer, socks []sockets.Socket, order []int) error {
	if len(socks) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	io.WriteString(w, "[\n")
	for i, j := range order {
		s := socks[j]
		// Empty lists and maps are written as [] and {} so consumers need no null checks.
		if s.Services == nil {
			s.Services = []string{}
		}
		if s.Health == nil {
			s.Health = map[string]string{}
		}
		if !utf8.ValidString(s.Path) {
			s.PathBase64 = base64.StdEncoding.EncodeToString([]byte(s.Path))
			s.Path = safetext.Line(s.Path)
		}
		b, err := json.Marshal(&s)
		if err != nil {
			return fmt.Errorf("encode %s: %w", s.Path, err)
		}
		w.Write(b)
		if i < len(socks)-1 {
			io.WriteString(w, ",")
		}
		io.WriteString(w, "\n")
	}
	_, err := io.WriteString(w, "]\n")
	return err
}

// kindColors are ANSI colours of one length each, so coloured cells stay
// aligned in the table.
var kindColors = map[sockets.Kind]string{
	sockets.KindGRPC:      "\x1b[32m",
	sockets.KindHTTP2:     "\x1b[36m",
	sockets.KindHTTP1:     "\x1b[33m",
	sockets.KindOther:     "\x1b[35m",
	sockets.KindSilent:    "\x1b[34m",
	sockets.KindDenied:    "\x1b[31m",
	sockets.KindUnprobed:  "\x1b[39m",
	sockets.KindStale:     "\x1b[90m",
	sockets.KindNotStream: "\x1b[90m",
	sockets.KindPending:   "\x1b[39m",
}

const (
	colorReset   = "\x1b[0m"
	colorWarning = "\x1b[1;33m"
)

func writeScanTable(w io.Writer, scan *sockets.Scan, order []int, color bool) {
	header := "PATH\tKIND\tSERVICES / HINT\tOWNER\tPROCESS"
	if color {
		// The kind column's cells all carry colour codes of the same length;
		// the header gets a same-length no-op so the column lines up.
		header = "PATH\t\x1b[39mKIND" + colorReset + "\tSERVICES / HINT\tOWNER\tPROCESS"
	}
	// A large scan's rows are laid out in runs on every CPU, then written
	// as one table straight from the runs.
	runs := 1
	if len(order) >= 4096 {
		runs = min(runtime.GOMAXPROCS(0), 4)
	}
	per := (len(order) + runs - 1) / runs
	parts := make([]*columns, runs+1)
	parts[0] = &columns{}
	parts[0].add([]byte(header))
	var wg sync.WaitGroup
	for k := range runs {
		parts[k+1] = &columns{}
		wg.Go(func() {
			addScanRows(parts[k+1], scan.Sockets, order[min(k*per, len(order)):min((k+1)*per, len(order))], color)
		})
	}
	wg.Wait()
	writeColumns(w, parts...)

	total := make(map[sockets.Kind]int)
	for _, s := range scan.Sockets {
		total[s.Kind]++
	}

	var kinds []string
	for _, k := range sockets.KindOrder {
		if total[k] > 0 {
			kinds = append(kinds, fmt.Sprintf("%d %s", total[k], k.Name()))
		}
	}
	summary := fmt.Sprintf("%d sockets", len(scan.Sockets))
	if len(scan.Sockets) == 1 {
		summary = "1 socket"
	}
	if len(kinds) > 0 {
		summary += ": " + strings.Join(kinds, ", ")
	}
	if len(scan.UnreadableDirs) > 0 {
		summary += "; " + unreadableNote(scan.UnreadableDirs)
	}
	if !scan.ProcNetUnix {
		summary += "; no /proc/net/unix: listening state and abstract sockets unknown"
	}
	fmt.Fprintln(w, summary)
}

// addScanRows adds the rows of the sockets at order to table.
func addScanRows(table *columns, socks []sockets.Socket, order []int, color bool) {
	// Five cells a line (six when world-writable), and a line of the
	// table is rarely longer than 128 bytes.
	table.reserve(len(order), 5*len(order), 128*len(order))
	line := make([]byte, 0, 256)
	for _, i := range order {
		s := &socks[i]
		sum := sockets.Summarize(*s, grpcservices.HealthAndReflection)
		line = append(line[:0], sum.Path...)
		line = append(line, '\t')
		if color {
			line = append(line, kindColors[s.Kind]...)
		}
		line = append(line, sum.Kind...)
		if color {
			line = append(line, colorReset...)
		}
		line = append(line, '\t')
		line = append(line, sum.Detail...)
		line = append(line, '\t')
		line = append(line, cell(sum.Owner, "-")...)
		line = append(line, '\t')
		// A stale socket has no process to find; any other may have one
		// this user cannot see.
		if s.Kind == sockets.KindStale {
			line = append(line, cell(sum.Process, "-")...)
		} else {
			line = append(line, cell(sum.Process, "unknown")...)
		}
		if sum.WorldWritable {
			line = append(line, '\t')
			if color {
				line = append(line, colorWarning...)
			}
			line = append(line, "WARNING: world-writable, any local user may connect"...)
			if color {
				line = append(line, colorReset...)
			}
		}
		table.add(line)
	}
}

func unreadableNote(dirs []string) string {
	if len(dirs) == 1 {
		return "1 directory could not be read: " + safetext.Line(dirs[0])
	}
	return fmt.Sprintf("%d directories could not be read (first: %s)", len(dirs), safetext.Line(dirs[0]))
}

// cell fills an empty table cell, which would otherwise shift the columns
// after it for a reader.
func cell(s, empty string) string {
	if s == "" {
		return empty
	}
	return s
}
