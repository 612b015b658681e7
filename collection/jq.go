package collection

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"
	"unicode/utf8"

	"github.com/itchyny/gojq"
)

// jqTimeout bounds one jq expression, since jq can loop forever.
const jqTimeout = 5 * time.Second

// maxOutputs bounds the values one expression may give.
const maxOutputs = 1000

// compile compiles x with the variables names ($status first), and the
// environment as jq's $ENV and env.
func compile(x Expr, names []string) (*gojq.Code, error) {
	vars := make([]string, len(names))
	for i, n := range names {
		vars[i] = "$" + n
	}
	return gojq.Compile(x.q, gojq.WithVariables(vars), gojq.WithEnvironLoader(os.Environ))
}

// holds runs a check: every value x gives must be true, and it must give
// one. The problem names the expression and what it gave.
func holds(ctx context.Context, x Expr, names []string, values []any, input any) (problem, detail string) {
	outs, err := outputs(ctx, x, names, values, input)
	if err != nil {
		return fmt.Sprintf("jq '%s' (%s): %v", x.Text, x.Pos, err), ""
	}
	if len(outs) == 0 {
		return fmt.Sprintf("jq '%s' (%s) gave no value", x.Text, x.Pos), showInput(input)
	}
	for _, v := range outs {
		if v != true {
			return fmt.Sprintf("jq '%s' (%s) gave %s", x.Text, x.Pos, show(v)), showInput(input)
		}
	}
	return "", ""
}

// first is the first value x gives, for a capture.
func first(ctx context.Context, x Expr, names []string, values []any, input any) (any, string) {
	outs, err := outputs(ctx, x, names, values, input)
	switch {
	case err != nil:
		return nil, fmt.Sprintf("jq '%s' (%s): %v", x.Text, x.Pos, err)
	case len(outs) == 0:
		return nil, fmt.Sprintf("jq '%s' (%s) gave no value", x.Text, x.Pos)
	}
	return outs[0], ""
}

func outputs(ctx context.Context, x Expr, names []string, values []any, input any) ([]any, error) {
	code, err := compile(x, names)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, jqTimeout)
	defer cancel()
	var outs []any
	iter := code.RunWithContext(ctx, input, values...)
	for len(outs) < maxOutputs {
		v, ok := iter.Next()
		if !ok {
			break
		}
		if err, isErr := v.(error); isErr {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("did not finish within %s", jqTimeout)
			}
			return nil, err
		}
		outs = append(outs, v)
	}
	return outs, nil
}

// show is a value jq gave, as JSON on one line, cut short.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return clip(string(b))
}

func showInput(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}

// clip bounds a server's text (or a value) on a result's one line, noting
// the full length; it is escaped where it is printed, not here, so it is
// escaped once.
func clip(s string) string {
	if len(s) <= maxShownValueBytes {
		return s
	}
	end := maxShownValueBytes
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:end], len(s))
}
