package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/history"
	"sockscope/internal/safetext"
)

// historyStore is the user's history file; nothing is read or created yet.
func historyStore() (*history.Store, error) {
	path, err := history.DefaultPath(os.Getenv)
	if err != nil {
		return nil, err
	}
	return history.Open(path, history.Limits{}), nil
}

// historyRecorder keeps the requests of a call for its history entry; nil
// when --no-history or SOCKSCOPE_HISTORY=off turn history off.
func (env *runEnv) historyRecorder() *history.Recorder {
	if env.opts.noHistory || history.Disabled(os.Getenv) {
		return nil
	}
	return &history.Recorder{}
}

// recordCall appends a finished call to the history. A call never fails
// for want of its history: a failure is one warning on stderr.
func (env *runEnv) recordCall(rec *history.Recorder, md protoreflect.MethodDescriptor, header metadata.MD,
	result client.Result, start time.Time, took time.Duration, resolver client.TypeResolver) {
	if rec == nil || result.Status == nil {
		return
	}
	store, err := historyStore()
	if err == nil {
		_, err = store.Append(history.NewEntry(history.Call{
			Time: start, Address: env.opts.address, Method: md, Requests: rec, Header: header,
			Deadline: env.opts.maxTime, Result: result, Took: took, Resolver: resolver, Source: "cli",
		}))
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "sockscope: warning: the call was not recorded in the history: %s\n", safetext.Clip(err.Error(), maxMessageBytes))
	}
}

// requestFormat is the syntax the call's requests are read in: history's
// JSON for --rerun, whatever --format says for the output.
func (o *options) requestFormat() client.InputFormat {
	if o.format == "text" && !o.rerunJSON {
		return client.InputText
	}
	return client.InputJSON
}

// showHistory prints the history newest first, one call a line, or with
// --json every entry whole; the words keep the calls that hold each one.
func (env *runEnv) showHistory() int {
	store, err := historyStore()
	if err != nil {
		return env.fail(err)
	}
	entries, skipped, err := store.Load()
	if err != nil {
		return env.fail(err)
	}
	if skipped > 0 {
		fmt.Fprintf(env.stderr, "sockscope: warning: %d line(s) of %s are not calls and were skipped\n", skipped, safetext.Line(store.Path()))
	}
	if env.opts.noHistory || history.Disabled(os.Getenv) {
		fmt.Fprintln(env.stderr, "sockscope: history is off (--no-history or "+history.EnvVar+"=off): new calls are not recorded")
	}
	entries = history.Filter(entries, env.opts.historyWords)
	out := bufio.NewWriterSize(env.stdout, 64<<10)
	if env.opts.json {
		err = writeHistoryJSON(out, entries)
	} else {
		writeHistoryTable(out, entries)
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return env.fail(fmt.Errorf("write the history: %w", err))
	}
	return exitOK
}

// writeHistoryJSON writes one JSON array with an entry a line, as --scan
// --json does.
func writeHistoryJSON(w io.Writer, entries []history.Entry) error {
	io.WriteString(w, "[")
	for i, e := range entries {
		b, err := history.MarshalEntry(e)
		if err != nil {
			return err
		}
		if i > 0 {
			io.WriteString(w, ",")
		}
		io.WriteString(w, "\n")
		w.Write(b)
	}
	if len(entries) > 0 {
		io.WriteString(w, "\n")
	}
	_, err := io.WriteString(w, "]\n")
	return err
}

func writeHistoryTable(w io.Writer, entries []history.Entry) {
	if len(entries) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tADDRESS\tMETHOD\tSTATUS\tDURATION")
	for _, e := range entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Time.Local().Format("2006-01-02 15:04:05"),
			safetext.Clip(e.Address, 80), safetext.Clip(e.Method, 120), safetext.Line(e.Code), shortDuration(e.Duration()))
	}
	tw.Flush()
}

// shortDuration is a call's duration as people read it: 3ms, 1.2s.
func shortDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return d.Round(100 * time.Millisecond).String()
}

// rerunCall repeats a call from the history as --call would make it: the
// same address (unless one is given), method, requests and deadline
// (unless --max-time is given), and its headers with the current flags'
// on top. Headers history masked must come from the flags.
func (env *runEnv) rerunCall() int {
	o := env.opts
	store, err := historyStore()
	if err != nil {
		return env.fail(err)
	}
	e, err := store.Find(o.rerun)
	if err != nil {
		return env.fail(usageError("--rerun %d: %v", o.rerun, err))
	}
	if e.RequestsOmitted > 0 {
		return env.fail(usageError("--rerun %d: the call sent %d message(s) too large for the history to keep, so it cannot be repeated from it", e.ID, e.RequestsOmitted))
	}
	flags, err := o.readHeaderFlags()
	if err != nil {
		return env.fail(err)
	}
	current := metadata.Join(flags.both, flags.call)
	var kept []string
	for _, line := range e.MetadataLines() {
		key, value, _ := strings.Cut(line, ": ")
		if value != history.Masked && !strings.HasPrefix(value, "<omitted: ") && current[key] == nil {
			kept = append(kept, line)
		}
	}
	var missing []string
	for _, key := range e.Unkept() {
		if current[key] == nil {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		return env.fail(usageError("--rerun %d: the history does not keep the value of %s; give it again, e.g. -H '%s: …' (or -H @file, --rpc-header)",
			e.ID, strings.Join(missing, ", "), missing[0]))
	}
	recorded, err := client.ParseHeaders(kept)
	if err != nil {
		return env.fail(usageError("--rerun %d: the history's headers: %v", e.ID, err))
	}
	// The call's headers are the recorded ones under the flags'; reflection
	// gets what the flags give it, as for any call.
	o.parsedHeaders = &headerSets{call: metadata.Join(recorded, current), reflection: metadata.Join(flags.both, flags.reflection)}

	var requests strings.Builder
	for _, r := range e.Requests {
		requests.Write(r)
		requests.WriteByte('\n')
	}
	o.call, o.data, o.dataSet, o.rerunJSON = e.Method, requests.String(), true, true
	if o.address == "" {
		o.address = e.Address
	}
	if o.maxTime == 0 {
		o.maxTime = e.Deadline()
	}
	return env.callMethod()
}
