package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/itchyny/gojq"
)

// jqProgram is a compiled jq expression, applied to a unary reply or to
// each message of a stream. It is safe for concurrent use.
type jqProgram struct {
	expr string
	code *gojq.Code
}

const (
	// jqTimeout bounds one run, since a jq program may loop forever.
	jqTimeout = 2 * time.Second
	// jqMaxOutputs bounds the values one run may produce.
	jqMaxOutputs = 10000
)

// compileJQ compiles expr; blank gives nil and no error. The environment
// is empty: a filter has no business reading the process's variables,
// where tokens live.
func compileJQ(expr string) (*jqProgram, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, nil
	}
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("jq: %w", err)
	}
	code, err := gojq.Compile(q, gojq.WithEnvironLoader(func() []string { return nil }))
	if err != nil {
		return nil, fmt.Errorf("jq: %w", err)
	}
	return &jqProgram{expr: expr, code: code}, nil
}

// run applies the program to one JSON text and returns its outputs as
// compact JSON, none when it selects nothing.
func (p *jqProgram) run(text string) ([]string, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("jq input: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), jqTimeout)
	defer cancel()
	iter := p.code.RunWithContext(ctx, v)
	var out []string
	for {
		v, ok := iter.Next()
		if !ok {
			return out, nil
		}
		if err, isErr := v.(error); isErr {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return out, nil
			}
			if errors.Is(err, context.DeadlineExceeded) {
				return out, fmt.Errorf("jq: gave up after %s", jqTimeout)
			}
			return out, fmt.Errorf("jq: %w", err)
		}
		if len(out) == jqMaxOutputs {
			return out, fmt.Errorf("jq: stopped at %d outputs", jqMaxOutputs)
		}
		b, _ := gojq.Marshal(v)
		out = append(out, string(b))
	}
}

// jqDocument is what the program makes of a whole reply, indented for
// the viewer; a failure is the document's last line.
func (p *jqProgram) document(text string) *document {
	outs, err := p.run(text)
	var b strings.Builder
	for _, o := range outs {
		var ind bytes.Buffer
		if json.Indent(&ind, []byte(o), "", "  ") == nil {
			b.Write(ind.Bytes())
		} else {
			b.WriteString(o)
		}
		b.WriteByte('\n')
	}
	if err != nil {
		b.WriteString("// " + err.Error() + "\n")
	}
	if len(outs) == 0 && err == nil {
		b.WriteString("// jq selected nothing\n")
	}
	return newJSONDocument(b.String())
}
