package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/internal/safetext"
	"sockscope/loadgen"
	"sockscope/reflection"
)

// benchHistogramBins is how many bars the latency histogram of --bench has.
const benchHistogramBins = 10

// benchReport is what --bench prints.
type benchReport struct {
	method      protoreflect.MethodDescriptor
	concurrency int
	connections int
	rate        float64
	rounds      int
	complete    bool
	sides       []*benchSide
}

// benchFigure is one row of the report: a name and how to read it off a
// result; ratio says whether a ratio between two sides means anything.
type benchFigure struct {
	name  string
	key   string // the JSON name of its ratio
	ratio bool
	value func(*loadgen.Result) float64
	show  func(float64) string
}

func latencyFigure(name, key string, of func(*loadgen.Histogram) time.Duration) benchFigure {
	return benchFigure{name: "latency " + name, key: key, ratio: true,
		value: func(r *loadgen.Result) float64 { return float64(of(&r.Latency)) },
		show:  func(v float64) string { return formatLatency(time.Duration(v)) }}
}

func quantile(q float64) func(*loadgen.Histogram) time.Duration {
	return func(h *loadgen.Histogram) time.Duration { return h.Quantile(q) }
}

func (rep *benchReport) figures() []benchFigure {
	count := func(v float64) string { return fmt.Sprintf("%.0f", v) }
	perSecond := func(v float64) string { return fmt.Sprintf("%.0f/s", v) }
	figs := []benchFigure{
		{name: "calls", value: func(r *loadgen.Result) float64 { return float64(r.Requests) }, show: count},
		{name: "errors", value: func(r *loadgen.Result) float64 { return float64(r.Requests - r.OK) }, show: count},
		{name: "time", key: "elapsed_s", ratio: true, value: func(r *loadgen.Result) float64 { return r.Elapsed.Seconds() },
			show: func(v float64) string { return fmt.Sprintf("%.3fs", v) }},
		{name: "throughput", key: "calls_per_s", ratio: true, value: (*loadgen.Result).Throughput, show: perSecond},
	}
	if rep.method.IsStreamingServer() {
		figs = append(figs,
			benchFigure{name: "messages", value: func(r *loadgen.Result) float64 { return float64(r.Messages) }, show: count},
			benchFigure{name: "messages/s", key: "messages_per_s", ratio: true, value: messagesPerSecond, show: perSecond})
	}
	return append(figs,
		latencyFigure("min", "latency_min", (*loadgen.Histogram).Min),
		latencyFigure("p50", "latency_p50", quantile(0.5)),
		latencyFigure("p90", "latency_p90", quantile(0.9)),
		latencyFigure("p99", "latency_p99", quantile(0.99)),
		latencyFigure("p99.9", "latency_p99.9", quantile(0.999)),
		latencyFigure("max", "latency_max", (*loadgen.Histogram).Max),
		latencyFigure("mean", "latency_mean", (*loadgen.Histogram).Mean),
	)
}

func messagesPerSecond(r *loadgen.Result) float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Messages) / r.Elapsed.Seconds()
}

// formatLatency shows three or four significant digits in the unit that
// suits the value.
func formatLatency(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func (rep *benchReport) write(w io.Writer, asJSON, compact bool) error {
	if asJSON {
		return rep.writeJSON(w, compact)
	}
	return rep.writeTable(w)
}

func (rep *benchReport) writeTable(w io.Writer) error {
	name := safetext.Line(reflection.MethodName(rep.method))
	conns := "1 connection"
	if rep.connections != 1 {
		conns = fmt.Sprintf("%d connections", rep.connections)
	}
	fmt.Fprintf(w, "%s (%s): concurrency %d on %s", name, reflection.RPCKind(rep.method), rep.concurrency, conns)
	if rep.rate > 0 {
		fmt.Fprintf(w, ", %g calls/s", rep.rate)
	}
	if rep.rounds > 1 {
		fmt.Fprintf(w, ", %d alternating rounds", rep.rounds)
	}
	if !rep.complete {
		fmt.Fprint(w, " (cut short)")
	}
	fmt.Fprint(w, "\n\n")

	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	header := []string{""}
	for _, side := range rep.sides {
		header = append(header, safetext.Line(side.address))
	}
	if len(rep.sides) == 2 {
		header = append(header, "ratio")
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, fig := range rep.figures() {
		row := []string{fig.name}
		for _, side := range rep.sides {
			row = append(row, fig.show(fig.value(&side.result)))
		}
		if len(rep.sides) == 2 {
			// Every row has the ratio cell, empty or not, so that the
			// columns before it line up across all rows.
			ratio := ""
			if fig.ratio {
				ratio = formatRatio(rep.ratio(fig))
			}
			row = append(row, ratio)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, side := range rep.sides {
		if len(side.result.Errors) > 0 {
			fmt.Fprintf(w, "\nerrors at %s: %s\n", safetext.Line(side.address), errorCounts(side.result.Errors))
		}
	}
	for _, side := range rep.sides {
		writeBars(w, side)
	}
	return nil
}

// ratio is the first side's figure over the second's; 0 when the second's
// is zero.
func (rep *benchReport) ratio(fig benchFigure) float64 {
	a, b := fig.value(&rep.sides[0].result), fig.value(&rep.sides[1].result)
	if b == 0 {
		return 0
	}
	return a / b
}

func formatRatio(r float64) string {
	if r == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", r)
}

func errorCounts(errs map[codes.Code]int64) string {
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(errs)) {
		parts = append(parts, fmt.Sprintf("%s %d", code, errs[code]))
	}
	return strings.Join(parts, ", ")
}

// writeBars draws the side's latency histogram, one bar a bin.
func writeBars(w io.Writer, side *benchSide) {
	bins := side.result.Latency.Bins(benchHistogramBins)
	if len(bins) == 0 {
		return
	}
	const width = 40
	var most uint64
	for _, b := range bins {
		most = max(most, b.Count)
	}
	fmt.Fprintf(w, "\nlatency at %s (count of calls at most this long)\n", safetext.Line(side.address))
	for _, b := range bins {
		bar := int(float64(width) * float64(b.Count) / float64(most))
		if bar == 0 && b.Count > 0 {
			bar = 1
		}
		fmt.Fprintf(w, "  %10s %9d %s\n", formatLatency(b.Upper), b.Count, strings.Repeat("■", bar))
	}
}

// The JSON form: every figure in one unit per kind (seconds for times,
// microseconds for latencies), ratios keyed by figure.
type benchJSON struct {
	Method      string             `json:"method"`
	Kind        string             `json:"kind"`
	Concurrency int                `json:"concurrency"`
	Connections int                `json:"connections"`
	Rate        float64            `json:"rate"`
	Rounds      int                `json:"rounds"`
	Complete    bool               `json:"complete"`
	Results     []benchSideJSON    `json:"results"`
	Ratios      map[string]float64 `json:"ratios,omitempty"`
}

type benchSideJSON struct {
	Address      string           `json:"address"`
	Calls        int64            `json:"calls"`
	OK           int64            `json:"ok"`
	Errors       map[string]int64 `json:"errors"`
	Messages     int64            `json:"messages"`
	ElapsedS     float64          `json:"elapsed_s"`
	CallsPerS    float64          `json:"calls_per_s"`
	MessagesPerS float64          `json:"messages_per_s"`
	LatencyUS    latencyJSON      `json:"latency_us"`
	Histogram    []binJSON        `json:"histogram"`
}

type latencyJSON struct {
	Min   float64 `json:"min"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p99.9"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
	Count uint64  `json:"count"`
}

type binJSON struct {
	UpperUS float64 `json:"upper_us"`
	Count   uint64  `json:"count"`
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func (rep *benchReport) writeJSON(w io.Writer, compact bool) error {
	out := benchJSON{
		Method: reflection.MethodName(rep.method), Kind: reflection.RPCKind(rep.method),
		Concurrency: rep.concurrency, Connections: rep.connections, Rate: rep.rate,
		Rounds: rep.rounds, Complete: rep.complete,
	}
	for _, side := range rep.sides {
		r := &side.result
		h := &r.Latency
		sj := benchSideJSON{
			Address: side.address, Calls: r.Requests, OK: r.OK, Errors: map[string]int64{}, Messages: r.Messages,
			ElapsedS: r.Elapsed.Seconds(), CallsPerS: r.Throughput(), MessagesPerS: messagesPerSecond(r),
			LatencyUS: latencyJSON{
				Min: micros(h.Min()), P50: micros(h.Quantile(0.5)), P90: micros(h.Quantile(0.9)), P99: micros(h.Quantile(0.99)),
				P999: micros(h.Quantile(0.999)), Max: micros(h.Max()), Mean: micros(h.Mean()), Count: h.Count(),
			},
			Histogram: []binJSON{},
		}
		for code, n := range r.Errors {
			sj.Errors[code.String()] = n
		}
		for _, b := range h.Bins(benchHistogramBins) {
			sj.Histogram = append(sj.Histogram, binJSON{UpperUS: micros(b.Upper), Count: b.Count})
		}
		out.Results = append(out.Results, sj)
	}
	if len(rep.sides) == 2 {
		out.Ratios = map[string]float64{}
		for _, fig := range rep.figures() {
			if fig.ratio {
				out.Ratios[fig.key] = rep.ratio(fig)
			}
		}
	}
	enc := json.NewEncoder(w)
	if !compact {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(out)
}
