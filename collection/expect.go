package collection

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/itchyny/gojq"
)

func (d *decoder) deadline(t Text) (time.Duration, error) {
	dl, err := time.ParseDuration(t.Raw)
	if err != nil || dl <= 0 {
		return 0, d.errorf(t.Pos, "deadline %q: want a positive duration such as 500ms, 5s or 2m", t.Raw)
	}
	return dl, nil
}

func (d *decoder) expect(n ast.Node) (Expect, error) {
	e := Expect{Code: 0}
	ps, err := d.pairs(n, "expect")
	if err != nil {
		return e, err
	}
	for _, mv := range ps {
		k, kpos, err := d.key(mv)
		if err != nil {
			return e, err
		}
		switch k {
		case "code":
			t, err := d.scalar(mv.Value, "expect.code")
			if err != nil {
				return e, err
			}
			c, ok := parseCode(t.Raw)
			if !ok {
				return e, d.errorf(t.Pos, "expect.code %q: want a gRPC code name (OK, NotFound, …) or number (0-16)", t.Raw)
			}
			e.Code, e.CodeText, e.CodePos = c, t.Raw, t.Pos
		case "jq":
			if e.JQ, err = d.exprs(mv.Value); err != nil {
				return e, err
			}
		default:
			return e, d.errorf(kpos, "unknown key %q; expect has code and jq", k)
		}
	}
	return e, nil
}

// exprs are jq expressions: one, or a list.
func (d *decoder) exprs(n ast.Node) ([]Expr, error) {
	items := []ast.Node{n}
	if seq, ok := n.(*ast.SequenceNode); ok {
		items = seq.Values
	}
	var out []Expr
	for _, item := range items {
		x, err := d.expr(item, "expect.jq")
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

func (d *decoder) expr(n ast.Node, what string) (Expr, error) {
	t, err := d.scalar(n, what)
	if err != nil {
		return Expr{}, err
	}
	if strings.TrimSpace(t.Raw) == "" {
		return Expr{}, d.errorf(t.Pos, "%s: empty jq expression", what)
	}
	q, err := gojq.Parse(t.Raw)
	if err != nil {
		return Expr{}, d.errorf(t.Pos, "%s %q: %s", what, t.Raw, jqProblem(err))
	}
	return Expr{Text: t.Raw, Pos: t.Pos, q: q}, nil
}

func jqProblem(err error) string {
	var pe *gojq.ParseError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%v (after byte %d of the expression)", pe, pe.Offset)
	}
	return err.Error()
}

func (d *decoder) captures(n ast.Node) ([]Capture, error) {
	ps, err := d.pairs(n, "capture")
	if err != nil {
		return nil, err
	}
	var out []Capture
	for _, mv := range ps {
		name, kpos, err := d.key(mv)
		if err != nil {
			return nil, err
		}
		if !validName(name) {
			return nil, d.errorf(kpos, "capture name %q: use letters, digits and _, not starting with a digit", name)
		}
		x, err := d.expr(mv.Value, "capture."+name)
		if err != nil {
			return nil, err
		}
		out = append(out, Capture{Name: name, Expr: x})
	}
	return out, nil
}
