package collection

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"sockscope/client"
	"sockscope/reflection"
)

// Bounds on the replies kept for jq: checks see the whole list of a
// stream, so a stream longer than this fails rather than filling memory.
const (
	maxKeptReplies     = 10_000
	maxKeptReplyBytes  = 64 << 20
	maxShownValueBytes = 200
)

// run runs one request and judges it.
func (r *runner) run(ctx context.Context, req *Request) Result {
	res := Result{Name: req.Name.Raw}
	fail := func(format string, args ...any) Result {
		res.Failure = fmt.Sprintf(format, args...)
		return res
	}
	method, err := expandText(req.Method.Raw, r.lookup)
	if err != nil {
		return fail("method: %v", r.undefined(err))
	}
	res.Method = method
	address, err := expandText(r.address(req).Raw, r.lookup)
	if err != nil {
		return fail("address: %v", r.undefined(err))
	}
	header, own, err := r.header(req)
	if err != nil {
		return fail("%v", r.undefined(err))
	}
	s, err := r.session(ctx, address, own)
	if err != nil {
		return fail("%s", failure(err))
	}
	md, err := s.FindMethod(ctx, method)
	if err != nil {
		return fail("%s", failure(err))
	}
	res.Method = reflection.MethodName(md)
	msgs, problem := r.messages(req, md, s.Resolver())
	if problem != "" {
		return fail("%s", problem)
	}
	deadline := req.Deadline
	if deadline == 0 {
		deadline = DefaultDeadline
	}
	callCtx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	wantReplies := len(req.Expect.JQ) > 0 || len(req.Capture) > 0
	replies := &replyList{format: &client.ReplyFormat{EmitDefaults: true, Resolver: s.Resolver()}, keep: wantReplies}
	var opts []grpc.CallOption
	if r.opts.MaxMsgSize > 0 {
		opts = append(opts, grpc.MaxCallRecvMsgSize(r.opts.MaxMsgSize))
	}
	start := time.Now()
	result, err := client.Invoke(callCtx, s.Conn(), md, header, nextOf(msgs), client.Handler{OnResponse: replies.add}, opts...)
	res.Took = time.Since(start)
	if err != nil {
		return fail("%v", err)
	}
	st := result.Status
	statusJSON, _ := client.StatusJSON(st, s.Resolver())
	if st.Code() != req.Expect.Code {
		res.Detail = string(statusJSON)
		line := fmt.Sprintf("code %s, want %s", st.Code(), req.Expect.Code)
		if st.Message() != "" {
			line += ": " + clip(st.Message())
		}
		return fail("%s", line)
	}
	if !wantReplies {
		res.Passed = true
		return res
	}
	if replies.err != nil {
		return fail("%v", replies.err)
	}
	var input any = replies.values
	if !md.IsStreamingServer() {
		input = nil
		if len(replies.values) > 0 {
			input = replies.values[0]
		}
	}
	var statusValue any
	json.Unmarshal(statusJSON, &statusValue)
	names := r.jqNames(nil)
	values := r.jqValues(names, statusValue)
	for _, x := range req.Expect.JQ {
		if problem, detail := holds(ctx, x, names, values, input); problem != "" {
			res.Detail = detail
			return fail("%s", problem)
		}
	}
	for _, c := range req.Capture {
		v, problem := first(ctx, c.Expr, names, values, input)
		if problem != "" {
			return fail("capture %s: %s", c.Name, problem)
		}
		r.captured[c.Name] = v
	}
	res.Passed = true
	return res
}

// messages turns the body into request messages of md's input type. A
// body that does not fit is reported at its line and column.
func (r *runner) messages(req *Request, md protoreflect.MethodDescriptor, resolver client.TypeResolver) ([]proto.Message, string) {
	b := req.Body
	if !md.IsStreamingClient() && len(b.Messages) > 1 {
		return nil, fmt.Sprintf("body (%s): a list of %d messages, but %s takes one (only client and bidi streams take a list)",
			b.Pos, len(b.Messages), reflection.MethodName(md))
	}
	var out []proto.Message
	for i, m := range b.Messages {
		v, err := expandValue(m.Value, r.lookup)
		if err != nil {
			return nil, fmt.Sprintf("body (%s): %v", m.Pos, r.undefined(err))
		}
		text, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Sprintf("body (%s): %v", m.Pos, err)
		}
		msg, err := client.NewReader(client.InputJSON, bytes.NewReader(text), md.Input(), resolver, client.ReaderOptions{Single: true}).Next()
		if err != nil {
			var ie *client.InputError
			if errors.As(err, &ie) {
				err = errors.New(ie.Problem)
			}
			what := "body"
			if b.List {
				what = fmt.Sprintf("body message %d", i+1)
			}
			return nil, fmt.Sprintf("%s (%s): %v", what, m.Pos, err)
		}
		out = append(out, msg)
	}
	return out, ""
}

func nextOf(msgs []proto.Message) func() (proto.Message, error) {
	return func() (proto.Message, error) {
		if len(msgs) == 0 {
			return nil, io.EOF
		}
		m := msgs[0]
		msgs = msgs[1:]
		return m, nil
	}
}

// header is the flags' metadata with the request's own on top, and the
// request's own alone.
func (r *runner) header(req *Request) (all, own metadata.MD, err error) {
	own = metadata.MD{}
	for _, h := range req.Headers {
		v, err := expandText(h.Value.Raw, r.lookup)
		if err != nil {
			return nil, nil, fmt.Errorf("header %s (%s): %w", h.Key, h.Value.Pos, err)
		}
		parsed, err := client.ParseHeaders([]string{h.Key + ": " + v})
		if err != nil {
			// Named by key and place only: the value may be a credential.
			return nil, nil, fmt.Errorf("header %s (%s): %w", h.Key, h.Value.Pos, errors.Unwrap(err))
		}
		own[h.Key] = append(own[h.Key], parsed[h.Key]...)
	}
	return onTop(r.opts.Header, own), own, nil
}

// replyList keeps the replies as JSON values for jq, within bounds.
type replyList struct {
	format *client.ReplyFormat
	keep   bool
	values []any
	bytes  int
	err    error
}

func (l *replyList) add(m proto.Message) error {
	if !l.keep || l.err != nil {
		return nil
	}
	b, err := l.format.Marshal(m)
	if err != nil {
		l.err = err
		return nil
	}
	l.bytes += len(b)
	if len(l.values) >= maxKeptReplies || l.bytes > maxKeptReplyBytes {
		l.err = fmt.Errorf("more than %d replies or %d MiB: jq checks need every reply; check a shorter stream", maxKeptReplies, maxKeptReplyBytes>>20)
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		l.err = err
		return nil
	}
	l.values = append(l.values, v)
	return nil
}

func (r *runner) jqValues(names []string, status any) []any {
	values := make([]any, len(names))
	values[0] = status
	for i, name := range names[1:] {
		v, _ := r.lookup(name)
		values[i+1] = v
	}
	return values
}
