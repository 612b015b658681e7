#!/usr/bin/env bash
# Builds the gRPC C++ test server into OUTDIR (the interop test's build
# directory), from Debian's libgrpc++-dev, protobuf-compiler and
# protobuf-compiler-grpc, which .ci/run installs.
set -euo pipefail
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mkdir -p "$out/gen"
protos=(-I "$repo/sample/proto" -I "$repo/interop/proto" sample/v1/echo.proto interop/v1/legacy.proto)
protoc "${protos[@]}" --cpp_out="$out/gen"
protoc "${protos[@]}" --grpc_out="$out/gen" --plugin=protoc-gen-grpc="$(command -v grpc_cpp_plugin)"
g++ -std=c++17 -O1 -o "$out/server" -I "$out/gen" \
  "$here/server.cc" "$out/gen/sample/v1/echo.pb.cc" "$out/gen/sample/v1/echo.grpc.pb.cc" \
  "$out/gen/interop/v1/legacy.pb.cc" "$out/gen/interop/v1/legacy.grpc.pb.cc" \
  $(pkg-config --cflags --libs grpc++ protobuf) -lgrpc++_reflection
