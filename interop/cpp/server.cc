// A gRPC C++ server (the C-core stack) of sockscope's own protos, for the
// interop tests: sample.v1.Echo with every RPC kind, the proto2
// interop.v1.Legacy, server reflection, and C++'s default health service,
// which reflection lists but cannot describe. It listens on the unix
// socket named by its one argument and prints "ready" once it does.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "interop/v1/legacy.grpc.pb.h"
#include "sample/v1/echo.grpc.pb.h"

namespace {

class EchoService final : public sample::v1::Echo::Service {
  grpc::Status Echo(grpc::ServerContext* ctx, const sample::v1::EchoRequest* req,
                    sample::v1::EchoReply* reply) override {
    reply->set_message(req->message());
    for (const auto& [key, value] : ctx->client_metadata()) {
      (*reply->mutable_metadata())[std::string(key.data(), key.size())] =
          std::string(value.data(), value.size());
    }
    return grpc::Status::OK;
  }

  grpc::Status Count(grpc::ServerContext* ctx, const sample::v1::CountRequest* req,
                     grpc::ServerWriter<sample::v1::CountReply>* writer) override {
    for (int n = 1; n <= req->count(); n++) {
      if (ctx->IsCancelled()) {
        return grpc::Status::CANCELLED;
      }
      sample::v1::CountReply reply;
      reply.set_n(n);
      writer->Write(reply);
      std::this_thread::sleep_for(std::chrono::milliseconds(req->interval_ms()));
    }
    return grpc::Status::OK;
  }

  grpc::Status Sum(grpc::ServerContext*, grpc::ServerReader<sample::v1::SumRequest>* reader,
                   sample::v1::SumReply* reply) override {
    sample::v1::SumRequest req;
    while (reader->Read(&req)) {
      reply->set_total(reply->total() + req.value());
      reply->set_count(reply->count() + 1);
    }
    return grpc::Status::OK;
  }

  grpc::Status Chat(grpc::ServerContext*,
                    grpc::ServerReaderWriter<sample::v1::ChatMessage, sample::v1::ChatMessage>* stream) override {
    sample::v1::ChatMessage msg;
    while (stream->Read(&msg)) {
      stream->Write(msg);
    }
    return grpc::Status::OK;
  }

  grpc::Status Fail(grpc::ServerContext*, const sample::v1::FailRequest* req,
                    google::protobuf::Empty*) override {
    return grpc::Status(static_cast<grpc::StatusCode>(req->code()), req->message());
  }

  grpc::Status Sleep(grpc::ServerContext* ctx, const sample::v1::SleepRequest* req,
                     google::protobuf::Empty*) override {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(req->ms());
    while (std::chrono::steady_clock::now() < until) {
      if (ctx->IsCancelled()) {
        return grpc::Status::CANCELLED;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return grpc::Status::OK;
  }

  grpc::Status Big(grpc::ServerContext*, const sample::v1::BigRequest* req,
                   sample::v1::BigReply* reply) override {
    reply->set_data(std::string(std::min(req->bytes(), 16 << 20), 'a'));
    return grpc::Status::OK;
  }
};

class LegacyService final : public interop::v1::Legacy::Service {
  grpc::Status Register(grpc::ServerContext*, const interop::v1::Device* device,
                        interop::v1::Device* reply) override {
    *reply = *device;
    return grpc::Status::OK;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " SOCKET\n";
    return 2;
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  EchoService echo;
  LegacyService legacy;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(std::string("unix:") + argv[1], grpc::InsecureServerCredentials());
  builder.RegisterService(&echo);
  builder.RegisterService(&legacy);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    std::cerr << "cannot listen on " << argv[1] << "\n";
    return 1;
  }
  std::cout << "ready" << std::endl;
  server->Wait();
  return 0;
}
