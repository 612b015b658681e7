package sockets

import (
	"context"
	"fmt"
	"sort"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"sockscope/client"
)

// addGRPCDetails lists a gRPC server's services over reflection, v1 first,
// then v1alpha. It sends one ListServices request per version tried and
// nothing else: the probe only needs the names, not the schemas.
func addGRPCDetails(ctx context.Context, s *Socket, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	target := client.Target{Network: "unix", Address: s.Path, Abstract: s.Abstract}
	conn, err := client.Dial(ctx, target, client.DialOptions{ConnectTimeout: timeout})
	if err != nil {
		s.Err = fmt.Sprintf("reflection: %v", err)
		return
	}
	defer conn.Close()

	services, err := listServicesV1(ctx, conn)
	s.Reflection = ReflectionV1
	if status.Code(err) == codes.Unimplemented {
		services, err = listServicesV1Alpha(ctx, conn)
		s.Reflection = ReflectionV1Alpha
	}
	switch {
	case status.Code(err) == codes.Unimplemented:
		s.Reflection = ReflectionNone
	case err != nil:
		s.Reflection = ReflectionNone
		s.Err = fmt.Sprintf("reflection: %v", err)
	default:
		sort.Strings(services)
		s.Services = services
	}
}

func listServicesV1(ctx context.Context, conn grpc.ClientConnInterface) ([]string, error) {
	stream, err := reflectionv1.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		return nil, err
	}
	defer stream.CloseSend()
	req := &reflectionv1.ServerReflectionRequest{
		MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{ListServices: "*"},
	}
	if err := stream.Send(req); err != nil {
		_, err = stream.Recv() // the status explains a failed send
		return nil, err
	}
	resp, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	if e := resp.GetErrorResponse(); e != nil {
		return nil, status.Error(codes.Code(e.GetErrorCode()), e.GetErrorMessage())
	}
	var names []string
	for _, svc := range resp.GetListServicesResponse().GetService() {
		names = append(names, svc.GetName())
	}
	return names, nil
}
