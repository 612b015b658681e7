// Command reflectcall is the floor bench/call.sh holds a scripted unary
// call with reflection to: the least a grpc-go client can do to call one
// method it knows only by name. It asks the server's reflection service
// (v1) for the file that defines the service, builds the descriptors,
// decodes the request from JSON into a dynamic message, makes the call and
// prints the reply as JSON; no history, no flags beyond these, no other
// packages linked.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

func main() {
	addr := flag.String("addr", "", "socket path (anything with a /) or host:port")
	method := flag.String("method", "sample.v1.Echo/Echo", "service/method to call")
	data := flag.String("d", `{"message":"bench"}`, "the request as JSON")
	flag.Parse()
	if err := call(*addr, *method, *data); err != nil {
		fmt.Fprintln(os.Stderr, "reflectcall:", err)
		os.Exit(1)
	}
}

func call(addr, method, data string) error {
	service, methodName, ok := strings.Cut(method, "/")
	if !ok {
		return fmt.Errorf("method %q: want service/method", method)
	}
	target := addr
	if strings.Contains(target, "/") {
		target = "unix:" + target
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx := context.Background()

	files, err := fileContaining(ctx, conn, service)
	if err != nil {
		return fmt.Errorf("reflection: %w", err)
	}
	desc, err := files.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		return err
	}
	sd, ok := desc.(protoreflect.ServiceDescriptor)
	if !ok {
		return fmt.Errorf("%s is not a service", service)
	}
	md := sd.Methods().ByName(protoreflect.Name(methodName))
	if md == nil {
		return fmt.Errorf("service %s has no method %s", service, methodName)
	}
	req := dynamicpb.NewMessage(md.Input())
	if err := protojson.Unmarshal([]byte(data), req); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	reply := dynamicpb.NewMessage(md.Output())
	if err := conn.Invoke(ctx, "/"+service+"/"+methodName, req, reply); err != nil {
		return err
	}
	out, err := protojson.Marshal(reply)
	if err != nil {
		return err
	}
	fmt.Printf("%s\n", out)
	return nil
}

// fileContaining makes one reflection request for the file defining
// symbol and builds it with the dependencies the server sends along.
func fileContaining(ctx context.Context, conn *grpc.ClientConn, symbol string) (*protoregistry.Files, error) {
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		return nil, err
	}
	defer stream.CloseSend()
	err = stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: symbol},
	})
	if err != nil {
		return nil, err
	}
	resp, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	if e := resp.GetErrorResponse(); e != nil {
		return nil, errors.New(e.GetErrorMessage())
	}
	set := &descriptorpb.FileDescriptorSet{}
	for _, raw := range resp.GetFileDescriptorResponse().GetFileDescriptorProto() {
		fd := &descriptorpb.FileDescriptorProto{}
		if err := proto.Unmarshal(raw, fd); err != nil {
			return nil, err
		}
		set.File = append(set.File, fd)
	}
	return protodesc.NewFiles(set)
}
