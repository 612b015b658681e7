package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Handler receives the events of one call, on the calling goroutine for responses.
type Handler struct {
	OnHeader   func(metadata.MD)         // may be nil
	OnResponse func(proto.Message) error // each reply as it arrives; returning an error cancels the call
	// OnReplySize, when set, learns each reply's size on the wire just
	// before OnResponse gets it, for callers that bound what they queue.
	OnReplySize func(bytes int)
	// OnWire, when set with WireOver, gets instead of OnResponse the reply
	// of a unary or client-stream call that is more than WireOver bytes on
	// the wire, undecoded, with its type: decoded whole, a reply of many
	// megabytes is a heap many times its size, which a caller formatting
	// it in parts (ReplyFormat.IndentedWireParts) never needs. Returning an
	// error cancels the call, as from OnResponse.
	OnWire   func(desc protoreflect.MessageDescriptor, wire []byte) error
	WireOver int
}

// Result is the outcome of one call as seen by the server.
type Result struct {
	Header, Trailer metadata.MD
	Status          *status.Status // OK status when the call succeeded; never nil
	Sent, Received  int
}

// MethodPath returns the gRPC path "/package.Service/Method" of md.
func MethodPath(md protoreflect.MethodDescriptor) string {
	return "/" + string(md.Parent().FullName()) + "/" + string(md.Name())
}

// Invoke calls method md on conn with the requests next returns, io.EOF
// after the last. A unary or server-streaming call takes exactly one
// request, an empty one when next returns io.EOF at once. A client or bidi
// stream sends each request as next returns it, and a bidi stream receives
// meanwhile, so replies print while input is still being read.
//
// A call the server fails is no error: its status is in Result.Status. The
// error is for local failures, such as next returning an error other than
// io.EOF (bad input): that cancels the call and is returned wrapped.
//
// For client and bidi streams next runs on its own goroutine. If the call
// ends while next is blocked (say, reading a terminal), Invoke returns without
// waiting for it; next is not called again and its late result is dropped.
//
// opts apply to this call only, e.g. grpc.MaxCallRecvMsgSize for a reply
// limit that must not also constrain the schema look-ups on the same conn.
func Invoke(ctx context.Context, conn grpc.ClientConnInterface, md protoreflect.MethodDescriptor,
	header metadata.MD, next func() (proto.Message, error), h Handler, opts ...grpc.CallOption) (Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if len(header) > 0 {
		ctx = metadata.NewOutgoingContext(ctx, header)
	}
	desc := &grpc.StreamDesc{
		StreamName:    string(md.Name()),
		ServerStreams: md.IsStreamingServer(),
		ClientStreams: md.IsStreamingClient(),
	}
	var result Result
	var single proto.Message
	if !desc.ClientStreams {
		// Read before opening the stream so bad input never reaches the server.
		msg, err := firstRequest(next, md)
		if err != nil {
			result.Status = status.New(codes.Canceled, "request could not be read")
			return result, fmt.Errorf("reading the request for %s: %w", md.FullName(), err)
		}
		single = msg
	}
	codec := newReplyCodec()
	if h.OnWire != nil && !desc.ServerStreams {
		codec.keepOver = h.WireOver
	}
	stream, err := conn.NewStream(ctx, desc, MethodPath(md), append([]grpc.CallOption{grpc.ForceCodecV2(codec)}, opts...)...)
	if err != nil {
		// NewStream fails with a status for transport problems (e.g.
		// Unavailable); that is the server side's answer, not a local error.
		result.Status = statusOf(err)
		return result, nil
	}

	var sender *streamSender
	if desc.ClientStreams {
		sender = &streamSender{stream: stream, next: next, cancel: cancel}
		go sender.run()
	} else {
		// On failure the stream is finished and RecvMsg below reports why.
		if err := stream.SendMsg(single); err == nil {
			result.Sent = 1
			_ = stream.CloseSend()
		}
	}

	if hdr, err := stream.Header(); err == nil {
		result.Header = hdr
		if h.OnHeader != nil && hdr != nil {
			h.OnHeader(hdr)
		}
	}

	responseType := dynamicpb.NewMessageType(md.Output())
	var localErr error
	for {
		reply := responseType.New().Interface()
		err := stream.RecvMsg(reply)
		if err == io.EOF {
			result.Status = status.New(codes.OK, "")
			break
		}
		if err != nil {
			result.Status = statusOf(err)
			break
		}
		result.Received++
		if h.OnReplySize != nil {
			h.OnReplySize(codec.lastSize)
		}
		handle := h.OnResponse
		if wire := codec.wire; wire != nil {
			codec.wire = nil
			handle = func(proto.Message) error { return h.OnWire(md.Output(), wire) }
		}
		if handle != nil {
			if err := handle(reply); err != nil {
				localErr = fmt.Errorf("handling response %d of %s: %w", result.Received, md.FullName(), err)
				cancel()
				result.Status = drain(stream, responseType)
				break
			}
		}
		if !desc.ServerStreams {
			// A unary RecvMsg already checked the stream ended cleanly.
			result.Status = status.New(codes.OK, "")
			break
		}
	}
	result.Trailer = stream.Trailer()

	if sender != nil {
		sent, err := sender.outcome()
		result.Sent = sent
		if err != nil && localErr == nil {
			localErr = fmt.Errorf("reading requests for %s: %w", md.FullName(), err)
		}
	}
	return result, localErr
}

// drain receives until the (cancelled) stream reports its end, which must
// happen before the trailer may be read.
func drain(stream grpc.ClientStream, responseType protoreflect.MessageType) *status.Status {
	for {
		if err := stream.RecvMsg(responseType.New().Interface()); err != nil {
			if err == io.EOF {
				return status.New(codes.OK, "")
			}
			return statusOf(err)
		}
	}
}

func firstRequest(next func() (proto.Message, error), md protoreflect.MethodDescriptor) (proto.Message, error) {
	msg, err := next()
	if err == io.EOF {
		return dynamicpb.NewMessage(md.Input()), nil
	}
	return msg, err
}

func statusOf(err error) *status.Status {
	if st, ok := status.FromError(err); ok {
		return st
	}
	if errors.Is(err, context.Canceled) {
		return status.New(codes.Canceled, err.Error())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return status.New(codes.DeadlineExceeded, err.Error())
	}
	return status.New(codes.Unknown, err.Error())
}

// streamSender feeds a client or bidi stream from next on its own goroutine,
// so replies are received while input is still being produced.
type streamSender struct {
	stream grpc.ClientStream
	next   func() (proto.Message, error)
	cancel context.CancelFunc

	sent atomic.Int64
	mu   sync.Mutex
	err  error // non-EOF error from next
}

func (s *streamSender) run() {
	for {
		msg, err := s.next()
		if err == io.EOF {
			_ = s.stream.CloseSend()
			return
		}
		if err != nil {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			// Recorded before cancelling so the receiver, woken by the
			// cancellation, finds the reason.
			s.cancel()
			return
		}
		if err := s.stream.SendMsg(msg); err != nil {
			// io.EOF or a status: either way the stream is over and the
			// receiving side reports the outcome.
			return
		}
		s.sent.Add(1)
	}
}

func (s *streamSender) outcome() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.sent.Load()), s.err
}
