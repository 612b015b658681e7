package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/metadata"

	"sockscope/internal/safetext"
	"sockscope/tap"
)

// tapTimeFormat shows when bytes passed, to the microsecond: calls on a
// local socket take less than a millisecond.
const tapTimeFormat = "15:04:05.000000"

// writeTapText writes ev as the tap's text output: one line per call when
// it ends (time, client, method, status, duration, message counts), and
// with verbose the call's start with its metadata, each message, the
// response's headers and trailers, and each connection. Everything from
// the peers is escaped.
func writeTapText(w io.Writer, ev tap.Event, verbose bool) {
	at := ev.Time.Format(tapTimeFormat)
	switch ev.Kind {
	case tap.CallStart:
		if !verbose {
			return
		}
		var extra []string
		if ev.Authority != "" {
			extra = append(extra, "authority "+safetext.Clip(ev.Authority, safetext.DefaultLimit))
		}
		if ev.Timeout != "" {
			extra = append(extra, "timeout "+safetext.Clip(ev.Timeout, safetext.DefaultLimit))
		}
		fmt.Fprintf(w, "%s #%d %s %s → %s", at, ev.Call, clientText(ev.Client), ev.Protocol, methodText(ev.Method))
		if len(extra) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(extra, ", "))
		}
		fmt.Fprintln(w)
		writeMetadata(w, ev.Metadata)
	case tap.MessageSeen:
		if verbose {
			writeMessageText(w, at, ev)
		}
	case tap.CallEnd:
		if verbose {
			if len(ev.Header) > 0 {
				fmt.Fprintf(w, "%s #%d response headers:\n", at, ev.Call)
				writeMetadata(w, ev.Header)
			}
			if len(ev.Trailer) > 0 {
				fmt.Fprintf(w, "%s #%d trailers:\n", at, ev.Call)
				writeMetadata(w, ev.Trailer)
			}
			fmt.Fprintf(w, "%s #%d ", at, ev.Call)
		} else {
			fmt.Fprintf(w, "%s ", at)
		}
		fmt.Fprintf(w, "%s %s %s %s %d→%d\n", clientText(ev.Client), methodText(ev.Method), statusText(ev),
			durationText(ev.Duration), ev.Requests, ev.Responses)
	case tap.ConnOpen:
		if verbose {
			fmt.Fprintf(w, "%s %s connected (connection %d)\n", at, clientText(ev.Client), ev.Conn)
		}
	case tap.ConnClose:
		// A connection the tap could not follow is worth a line even
		// without -v: its calls are not in the output.
		if verbose || ev.Protocol == tap.ProtocolOther || ev.Note != "" {
			fmt.Fprintf(w, "%s %s connection %d closed: %s, %d bytes from the client, %d from the server", at, clientText(ev.Client),
				ev.Conn, protocolText(ev.Protocol), ev.BytesFromClient, ev.BytesFromServer)
			if ev.Note != "" {
				fmt.Fprintf(w, "; %s", safetext.Clip(ev.Note, maxMessageBytes))
			}
			fmt.Fprintln(w)
		}
	}
}

func writeMessageText(w io.Writer, at string, ev tap.Event) {
	size := strconv.Itoa(ev.Size) + " bytes"
	if ev.Compressed {
		size += ", compressed"
	}
	fmt.Fprintf(w, "%s #%d %s %d (%s): ", at, ev.Call, ev.Direction, ev.Index, size)
	switch {
	case ev.JSON != nil:
		fmt.Fprintln(w, safetext.Line(string(ev.JSON)))
	case ev.Raw != "":
		if ev.Undecoded != "" {
			fmt.Fprintf(w, "(%s) ", safetext.Clip(ev.Undecoded, maxMessageBytes))
		}
		fmt.Fprintln(w, "fields by number:")
		for _, line := range strings.SplitAfter(strings.TrimSuffix(safetext.Text(ev.Raw), "\n"), "\n") {
			fmt.Fprintf(w, "    %s", line)
		}
		fmt.Fprintln(w)
	case ev.Undecoded != "":
		fmt.Fprintf(w, "not decoded: %s\n", safetext.Clip(ev.Undecoded, maxMessageBytes))
	default:
		fmt.Fprintln(w, "(empty)")
	}
}

func writeMetadata(w io.Writer, md metadata.MD) {
	for _, line := range tap.MetadataLines(md, nil) {
		fmt.Fprintf(w, "    %s: %s\n", line.Key, line.Value)
	}
}

func clientText(c tap.Client) string {
	return c.Label(func(command string) string { return safetext.Clip(command, 64) })
}

func methodText(m string) string {
	if m == "" {
		return "(no method)"
	}
	return safetext.Clip(m, safetext.DefaultLimit)
}

// statusText is the call's status: the code, and the message when there is
// one; how it ended when there is no status.
func statusText(ev tap.Event) string {
	switch {
	case ev.Status == nil && ev.Protocol == tap.ProtocolHTTP2:
		return safetext.Clip(ev.Note, maxMessageBytes)
	case ev.Status == nil:
		return "(no status: " + safetext.Clip(ev.Note, maxMessageBytes) + ")"
	}
	s := ev.Status.Code.String()
	if ev.Status.Message != "" {
		s += ` "` + safetext.Clip(ev.Status.Message, safetext.DefaultLimit) + `"`
	}
	if ev.Note != "" {
		s += " (" + safetext.Clip(ev.Note, maxMessageBytes) + ")"
	}
	return s
}

func durationText(d time.Duration) string {
	if d >= time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Microsecond).String()
}

func protocolText(p string) string {
	switch p {
	case tap.ProtocolOther:
		return "neither HTTP/2 nor ttrpc, forwarded as it came"
	case tap.ProtocolHTTP2:
		return "HTTP/2"
	}
	return p
}
