package sample

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"sockscope/sample/samplepb"
)

// maxBigBytes bounds Big so one call cannot exhaust the server's memory.
const maxBigBytes = 256 << 20

type echoServer struct {
	samplepb.UnimplementedEchoServer
}

func (echoServer) Echo(ctx context.Context, req *samplepb.EchoRequest) (*samplepb.EchoReply, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	seen := make(map[string]string, len(md))
	for k, v := range md {
		seen[k] = strings.Join(v, ", ")
	}
	return &samplepb.EchoReply{Message: req.GetMessage(), Metadata: seen}, nil
}

func (echoServer) Count(req *samplepb.CountRequest, stream samplepb.Echo_CountServer) error {
	if req.GetCount() < 0 || req.GetIntervalMs() < 0 {
		return status.Errorf(codes.InvalidArgument, "count (%d) and interval_ms (%d) must not be negative", req.GetCount(), req.GetIntervalMs())
	}
	interval := time.Duration(req.GetIntervalMs()) * time.Millisecond
	reply := &samplepb.CountReply{}
	for n := int32(1); n <= req.GetCount(); n++ {
		if n > 1 && interval > 0 {
			if err := sleep(stream.Context(), interval); err != nil {
				return err
			}
		}
		reply.N = n
		if err := stream.Send(reply); err != nil {
			return err
		}
	}
	return nil
}

func (echoServer) Sum(stream samplepb.Echo_SumServer) error {
	reply := &samplepb.SumReply{}
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(reply)
		}
		if err != nil {
			return err
		}
		reply.Total += req.GetValue()
		reply.Count++
	}
}

func (echoServer) Chat(stream samplepb.Echo_ChatServer) error {
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.Send(&samplepb.ChatMessage{Text: msg.GetText()}); err != nil {
			return err
		}
	}
}

func (echoServer) Fail(_ context.Context, req *samplepb.FailRequest) (*emptypb.Empty, error) {
	code := req.GetCode()
	if code == 0 {
		return &emptypb.Empty{}, nil
	}
	if code < 0 || code > 16 {
		return nil, status.Errorf(codes.InvalidArgument, "code %d is not a gRPC status code (0 to 16)", code)
	}
	st := status.New(codes.Code(code), req.GetMessage())
	detailed, err := st.WithDetails(
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{
			Field:       "code",
			Description: "the client asked for this failure",
		}}},
		&errdetails.ErrorInfo{
			Reason:   "REQUESTED_FAILURE",
			Domain:   "sample.sockscope",
			Metadata: map[string]string{"requested_code": codes.Code(code).String()},
		},
	)
	if err != nil {
		return nil, st.Err()
	}
	return nil, detailed.Err()
}

func (echoServer) Sleep(ctx context.Context, req *samplepb.SleepRequest) (*emptypb.Empty, error) {
	if req.GetMs() < 0 {
		return nil, status.Errorf(codes.InvalidArgument, "ms %d must not be negative", req.GetMs())
	}
	if err := sleep(ctx, time.Duration(req.GetMs())*time.Millisecond); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (echoServer) Big(_ context.Context, req *samplepb.BigRequest) (*samplepb.BigReply, error) {
	n := req.GetBytes()
	if n < 0 || n > maxBigBytes {
		return nil, status.Errorf(codes.InvalidArgument, "bytes %d: want 0 to %d", n, maxBigBytes)
	}
	data := make([]byte, n)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	return &samplepb.BigReply{Data: data}, nil
}

// sleep waits d or until ctx ends, returning the status gRPC clients expect.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return status.FromContextError(ctx.Err()).Err()
	}
}
