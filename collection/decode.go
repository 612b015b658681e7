package collection

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"sockscope/client"
)

// decoder walks the YAML tree by hand rather than through struct tags, so
// that every value is checked where it stands and a mistake is reported at
// its own line and column, unknown keys included.
type decoder struct{ path string }

func (d *decoder) errorf(p Pos, format string, args ...any) error {
	return &FileError{Path: d.path, Pos: p, Problem: fmt.Sprintf(format, args...)}
}

func yamlError(path string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		p := ye.GetToken().Position
		return &FileError{Path: path, Pos: Pos{p.Line, p.Column}, Problem: ye.GetMessage()}
	}
	return &FileError{Path: path, Problem: err.Error()}
}

// posOf is where n starts: for a block mapping its first key, not the
// first colon that YAML's tree hands out as its token.
func posOf(n ast.Node) Pos {
	switch v := n.(type) {
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return posOf(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return posOf(v.Key)
	}
	if n == nil || n.GetToken() == nil {
		return Pos{}
	}
	p := n.GetToken().Position
	return Pos{p.Line, p.Column}
}

// unsupported refuses the YAML features that would make a value mean
// something other than what is written where it stands.
func (d *decoder) unsupported(n ast.Node) error {
	switch n.(type) {
	case *ast.AnchorNode, *ast.AliasNode, *ast.TagNode, *ast.MergeKeyNode, *ast.MappingKeyNode:
		return d.errorf(posOf(n), "anchors (&), aliases (*), tags (!) and merge keys (<<) are not supported in a collection; write the value out")
	}
	return nil
}

// pairs are a mapping's entries; null is an empty mapping.
func (d *decoder) pairs(n ast.Node, what string) ([]*ast.MappingValueNode, error) {
	if err := d.unsupported(n); err != nil {
		return nil, err
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values, nil
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}, nil
	case *ast.NullNode:
		return nil, nil
	}
	return nil, d.errorf(posOf(n), "%s: want a mapping (key: value lines or {key: value})", what)
}

// scalar is a scalar's text: a string's value, a number or boolean as
// written (so a header "042" stays 042).
func (d *decoder) scalar(n ast.Node, what string) (Text, error) {
	if err := d.unsupported(n); err != nil {
		return Text{}, err
	}
	t := Text{Pos: posOf(n)}
	switch v := n.(type) {
	case *ast.StringNode:
		t.Raw = v.Value
	case *ast.LiteralNode:
		t.Raw = v.Value.Value
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		t.Raw = n.GetToken().Value
	case *ast.NullNode:
	default:
		return t, d.errorf(t.Pos, "%s: want a single value, not %s", what, kindName(n))
	}
	return t, nil
}

func kindName(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	}
	return "a " + strings.ToLower(n.Type().String())
}

func (d *decoder) key(mv *ast.MappingValueNode) (string, Pos, error) {
	k, err := d.scalar(mv.Key, "key")
	return k.Raw, k.Pos, err
}

func (d *decoder) file(f *ast.File) (*File, error) {
	var docs []*ast.DocumentNode
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil {
			docs = append(docs, doc)
		}
	}
	switch {
	case len(docs) == 0:
		return nil, d.errorf(Pos{}, "the file is empty; a collection has address, vars and requests")
	case len(docs) > 1:
		return nil, d.errorf(posOf(docs[1].Body), "a collection is one YAML document; this is a second one")
	}
	top, err := d.pairs(docs[0].Body, "the file")
	if err != nil {
		return nil, err
	}
	out := &File{}
	for _, mv := range top {
		k, kpos, err := d.key(mv)
		if err != nil {
			return nil, err
		}
		switch k {
		case "address":
			out.Address, err = d.scalar(mv.Value, "address")
		case "vars":
			out.Vars, err = d.vars(mv.Value)
		case "requests":
			out.layout.requestsKey = kpos
			err = d.requests(mv.Value, out)
		default:
			err = d.errorf(kpos, "unknown key %q; a collection has address, vars and requests", k)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (d *decoder) vars(n ast.Node) ([]Var, error) {
	ps, err := d.pairs(n, "vars")
	if err != nil {
		return nil, err
	}
	var out []Var
	for _, mv := range ps {
		name, kpos, err := d.key(mv)
		if err != nil {
			return nil, err
		}
		if !validName(name) {
			return nil, d.errorf(kpos, "variable name %q: use letters, digits and _, not starting with a digit", name)
		}
		v, err := d.scalar(mv.Value, "vars."+name)
		if err != nil {
			return nil, err
		}
		out = append(out, Var{Name: name, Value: v})
	}
	return out, nil
}

func (d *decoder) requests(n ast.Node, f *File) error {
	if err := d.unsupported(n); err != nil {
		return err
	}
	switch v := n.(type) {
	case *ast.NullNode:
		f.layout.requests = seqNull
		return nil
	case *ast.SequenceNode:
		f.layout.requests = seqBlock
		if v.IsFlowStyle {
			f.layout.requests = seqFlow
			if len(v.Values) == 0 {
				f.layout.requests = seqEmptyFlow
			}
		}
		seen := map[string]Pos{}
		for i, item := range v.Values {
			r, err := d.request(item)
			if err != nil {
				return err
			}
			if first, dup := seen[r.Name.Raw]; dup {
				return d.errorf(r.Name.Pos, "request name %q is used twice (first at %s)", r.Name.Raw, first)
			}
			seen[r.Name.Raw] = r.Name.Pos
			r.Pos = posOf(item)
			if !v.IsFlowStyle && i < len(v.Entries) {
				tk := v.Entries[i].Start.Position
				r.Pos = Pos{tk.Line, tk.Column}
				r.layout.dash = r.Pos
			}
			f.Requests = append(f.Requests, r)
		}
		return nil
	}
	return d.errorf(posOf(n), "requests: want a list of requests (- name: …)")
}

// requestKeys are the keys a request may have, in the order Save writes them.
var requestKeys = []string{"name", "method", "address", "headers", "body", "deadline", "expect", "capture"}

func (d *decoder) request(n ast.Node) (Request, error) {
	ps, err := d.pairs(n, "a request")
	if err != nil {
		return Request{}, err
	}
	r := Request{layout: entryLayout{keys: map[string]Pos{}}}
	if m, ok := n.(*ast.MappingNode); ok {
		r.layout.flow = m.IsFlowStyle
	}
	for _, mv := range ps {
		k, kpos, err := d.key(mv)
		if err != nil {
			return r, err
		}
		if _, dup := r.layout.keys[k]; dup {
			return r, d.errorf(kpos, "key %q is given twice in this request", k)
		}
		r.layout.keys[k] = kpos
		switch k {
		case "name":
			r.Name, err = d.scalar(mv.Value, "name")
		case "method":
			r.Method, err = d.scalar(mv.Value, "method")
		case "address":
			r.Address, err = d.scalar(mv.Value, "address")
		case "headers":
			r.Headers, err = d.headers(mv.Value)
		case "body":
			r.Body, err = d.body(mv.Value)
		case "deadline":
			r.DeadlineText, err = d.scalar(mv.Value, "deadline")
			if err == nil {
				r.Deadline, err = d.deadline(r.DeadlineText)
			}
		case "expect":
			r.Expect, err = d.expect(mv.Value)
		case "capture":
			r.Capture, err = d.captures(mv.Value)
		default:
			err = d.errorf(kpos, "unknown key %q; a request has %s", k, strings.Join(requestKeys, ", "))
		}
		if err != nil {
			return r, err
		}
	}
	switch start := posOf(n); {
	case r.Name.Raw == "":
		return r, d.errorf(start, "this request has no name (name: …); --only and the output name requests by it")
	case r.Method.Raw == "":
		return r, d.errorf(start, "request %q has no method (method: pkg.Service/Method)", r.Name.Raw)
	}
	return r, nil
}

func (d *decoder) headers(n ast.Node) ([]Header, error) {
	ps, err := d.pairs(n, "headers")
	if err != nil {
		return nil, err
	}
	var out []Header
	for _, mv := range ps {
		k, kpos, err := d.key(mv)
		if err != nil {
			return nil, err
		}
		if _, err := client.ParseHeaders([]string{k + ":"}); err != nil {
			return nil, d.errorf(kpos, "header %q: %v", k, errors.Unwrap(err))
		}
		v, err := d.scalar(mv.Value, "header "+k)
		if err != nil {
			return nil, err
		}
		out = append(out, Header{Key: strings.ToLower(k), Value: v})
	}
	return out, nil
}

func (d *decoder) body(n ast.Node) (Body, error) {
	b := Body{Pos: posOf(n)}
	if seq, ok := n.(*ast.SequenceNode); ok {
		b.List = true
		for _, item := range seq.Values {
			m, err := d.message(item)
			if err != nil {
				return b, err
			}
			b.Messages = append(b.Messages, m)
		}
		return b, nil
	}
	if _, ok := n.(*ast.NullNode); ok {
		return b, nil
	}
	m, err := d.message(n)
	if err != nil {
		return b, err
	}
	b.Messages = []Message{m}
	return b, nil
}

func (d *decoder) message(n ast.Node) (Message, error) {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.NullNode:
	default:
		if err := d.unsupported(n); err != nil {
			return Message{}, err
		}
		return Message{}, d.errorf(posOf(n), "body: a message is a mapping ({\"field\": value}), not %s", kindName(n))
	}
	v, err := d.value(n)
	if v == nil && err == nil {
		v = map[string]any{}
	}
	return Message{Value: v, Pos: posOf(n)}, err
}

// value turns YAML into what encoding/json writes as the same JSON.
func (d *decoder) value(n ast.Node) (any, error) {
	if err := d.unsupported(n); err != nil {
		return nil, err
	}
	switch v := n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		ps, _ := d.pairs(n, "")
		m := make(map[string]any, len(ps))
		for _, mv := range ps {
			k, _, err := d.key(mv)
			if err != nil {
				return nil, err
			}
			if m[k], err = d.value(mv.Value); err != nil {
				return nil, err
			}
		}
		return m, nil
	case *ast.SequenceNode:
		list := make([]any, 0, len(v.Values))
		for _, item := range v.Values {
			x, err := d.value(item)
			if err != nil {
				return nil, err
			}
			list = append(list, x)
		}
		return list, nil
	case *ast.StringNode:
		return v.Value, nil
	case *ast.LiteralNode:
		return v.Value.Value, nil
	case *ast.IntegerNode:
		return v.Value, nil
	case *ast.FloatNode:
		return v.Value, nil
	case *ast.BoolNode:
		return v.Value, nil
	case *ast.NullNode:
		return nil, nil
	}
	return nil, d.errorf(posOf(n), "%s has no JSON form; quote it to send it as a string", kindName(n))
}
