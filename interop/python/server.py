"""A Python gRPC server (Debian's grpcio, the C-core stack) of sockscope's
own protos, for the interop tests: sample.v1.Echo with every RPC kind and
the proto2 interop.v1.Legacy, without reflection, as most daemons serve.
Its messages are built at run time from the FileDescriptorSet named by its
first argument (protoc --include_imports); it listens on the unix socket
named by its second and prints "ready" once it does.
"""

import sys
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def main():
    if len(sys.argv) != 3:
        print("usage: server.py DESCRIPTOR_SET SOCKET", file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1], "rb") as f:
        files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for fd in files.file:
        pool.Add(fd)
    factory = message_factory.MessageFactory(pool)

    def message(name):
        return factory.GetPrototype(pool.FindMessageTypeByName(name))

    def method(kind, fn, request, reply):
        req, resp = message(request), message(reply)
        return kind(fn, request_deserializer=req.FromString, response_serializer=resp.SerializeToString), resp

    def echo(req, ctx):
        reply = replies["Echo"]()
        reply.message = req.message
        for key, value in ctx.invocation_metadata():
            reply.metadata[key] = value if isinstance(value, str) else value.hex()
        return reply

    def count(req, ctx):
        for n in range(1, req.count + 1):
            if not ctx.is_active():
                return
            reply = replies["Count"]()
            reply.n = n
            yield reply
            time.sleep(req.interval_ms / 1000)

    def total(requests, ctx):
        reply = replies["Sum"]()
        for req in requests:
            reply.total += req.value
            reply.count += 1
        return reply

    def chat(requests, ctx):
        for msg in requests:
            reply = replies["Chat"]()
            reply.text = msg.text
            yield reply

    def fail(req, ctx):
        ctx.abort(grpc.StatusCode(next(c for c in grpc.StatusCode if c.value[0] == req.code)), req.message)

    def sleep(req, ctx):
        done = threading.Event()
        ctx.add_callback(done.set)
        done.wait(req.ms / 1000)
        return replies["Sleep"]()

    def big(req, ctx):
        reply = replies["Big"]()
        reply.data = b"a" * min(req.bytes, 16 << 20)
        return reply

    def register(device, ctx):
        return device

    handlers, replies = {}, {}
    for name, kind, fn, request, reply in [
        ("Echo", grpc.unary_unary_rpc_method_handler, echo, "sample.v1.EchoRequest", "sample.v1.EchoReply"),
        ("Count", grpc.unary_stream_rpc_method_handler, count, "sample.v1.CountRequest", "sample.v1.CountReply"),
        ("Sum", grpc.stream_unary_rpc_method_handler, total, "sample.v1.SumRequest", "sample.v1.SumReply"),
        ("Chat", grpc.stream_stream_rpc_method_handler, chat, "sample.v1.ChatMessage", "sample.v1.ChatMessage"),
        ("Fail", grpc.unary_unary_rpc_method_handler, fail, "sample.v1.FailRequest", "google.protobuf.Empty"),
        ("Sleep", grpc.unary_unary_rpc_method_handler, sleep, "sample.v1.SleepRequest", "google.protobuf.Empty"),
        ("Big", grpc.unary_unary_rpc_method_handler, big, "sample.v1.BigRequest", "sample.v1.BigReply"),
    ]:
        handlers[name], replies[name] = method(kind, fn, request, reply)
    legacy, _ = method(grpc.unary_unary_rpc_method_handler, register, "interop.v1.Device", "interop.v1.Device")

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers([
        grpc.method_handlers_generic_handler("sample.v1.Echo", handlers),
        grpc.method_handlers_generic_handler("interop.v1.Legacy", {"Register": legacy}),
    ])
    server.add_insecure_port("unix:" + sys.argv[2])
    server.start()
    print("ready", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
