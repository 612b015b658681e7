package sample

// The generated code in samplepb is committed; regenerating it needs protoc,
// protoc-gen-go and protoc-gen-go-grpc on PATH.
//go:generate protoc --proto_path=proto --go_out=samplepb --go_opt=module=sockscope/sample/samplepb --go-grpc_out=samplepb --go-grpc_opt=module=sockscope/sample/samplepb sample/v1/echo.proto sample/v1/workloads.proto
