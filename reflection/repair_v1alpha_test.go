//lint:file-ignore SA1019 the test serves the deprecated v1alpha API on purpose, as older servers do

package reflection

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"google.golang.org/grpc"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	refv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
)

// v1AlphaService serves s through the v1alpha API only.
type v1AlphaService struct {
	refv1alpha.UnimplementedServerReflectionServer
	s *servedFiles
}

func (v v1AlphaService) ServerReflectionInfo(stream refv1alpha.ServerReflection_ServerReflectionInfoServer) error {
	v.s.streams.Add(1)
	sent := map[string]bool{}
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		v1req := &refv1.ServerReflectionRequest{}
		switch r := req.MessageRequest.(type) {
		case *refv1alpha.ServerReflectionRequest_ListServices:
			v1req.MessageRequest = &refv1.ServerReflectionRequest_ListServices{ListServices: r.ListServices}
		case *refv1alpha.ServerReflectionRequest_FileByFilename:
			v1req.MessageRequest = &refv1.ServerReflectionRequest_FileByFilename{FileByFilename: r.FileByFilename}
		case *refv1alpha.ServerReflectionRequest_FileContainingSymbol:
			v1req.MessageRequest = &refv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: r.FileContainingSymbol}
		}
		answer := v.s.answer(v1req, sent)
		resp := &refv1alpha.ServerReflectionResponse{OriginalRequest: req}
		switch {
		case answer.GetListServicesResponse() != nil:
			list := &refv1alpha.ListServiceResponse{}
			for _, svc := range answer.GetListServicesResponse().GetService() {
				list.Service = append(list.Service, &refv1alpha.ServiceResponse{Name: svc.GetName()})
			}
			resp.MessageResponse = &refv1alpha.ServerReflectionResponse_ListServicesResponse{ListServicesResponse: list}
		case answer.GetFileDescriptorResponse() != nil:
			resp.MessageResponse = &refv1alpha.ServerReflectionResponse_FileDescriptorResponse{FileDescriptorResponse: &refv1alpha.FileDescriptorResponse{
				FileDescriptorProto: answer.GetFileDescriptorResponse().GetFileDescriptorProto()}}
		default:
			resp.MessageResponse = &refv1alpha.ServerReflectionResponse_ErrorResponse{ErrorResponse: &refv1alpha.ErrorResponse{
				ErrorCode: answer.GetErrorResponse().GetErrorCode(), ErrorMessage: answer.GetErrorResponse().GetErrorMessage()}}
		}
		if err := stream.Send(resp); err != nil {
			return err
		}
	}
}

func TestRepairMalformedReflectionV1Alpha(t *testing.T) {
	for _, m := range malformations {
		t.Run(m.name, func(t *testing.T) {
			conn := startServed(t, func(srv *grpc.Server) {
				refv1alpha.RegisterServerReflectionServer(srv, v1AlphaService{s: m.serve()})
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			src, err := Open(ctx, conn, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			checkRepairedSample(t, ctx, src, conn)
			if got := src.Reflection(); got != ReflectionV1Alpha {
				t.Errorf("Reflection() = %q, want %q", got, ReflectionV1Alpha)
			}
		})
	}
}
