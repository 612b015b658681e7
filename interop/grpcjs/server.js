// A grpc-js server (Node's pure-JavaScript gRPC) of sockscope's own protos,
// for the interop tests: sample.v1.Echo with every RPC kind, the proto2
// interop.v1.Legacy, and server reflection (v1 and v1alpha) from
// @grpc/reflection. It listens on the unix socket named by its one
// argument and prints "ready" on stdout once it is bound.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { ReflectionService } = require('@grpc/reflection');

const repo = path.join(__dirname, '..', '..');
const definition = protoLoader.loadSync(
  ['sample/v1/echo.proto', 'interop/v1/legacy.proto'],
  {
    includeDirs: [path.join(repo, 'sample', 'proto'), path.join(repo, 'interop', 'proto')],
    longs: String,
    enums: String,
    bytes: Buffer,
    defaults: false,
    oneofs: true,
  },
);
const loaded = grpc.loadPackageDefinition(definition);

const echo = {
  Echo(call, done) {
    const seen = {};
    for (const [key, values] of Object.entries(call.metadata.getMap())) {
      seen[key] = String(values);
    }
    done(null, { message: call.request.message || '', metadata: seen });
  },
  Count(call) {
    const count = call.request.count || 0;
    const interval = call.request.intervalMs || 0;
    let n = 0;
    const next = () => {
      if (call.cancelled) {
        return;
      }
      if (n >= count) {
        call.end();
        return;
      }
      n += 1;
      call.write({ n });
      setTimeout(next, interval);
    };
    next();
  },
  Sum(call, done) {
    let total = 0n;
    let count = 0;
    call.on('data', (req) => {
      total += BigInt(req.value || 0);
      count += 1;
    });
    call.on('end', () => done(null, { total: total.toString(), count }));
  },
  Chat(call) {
    call.on('data', (msg) => call.write({ text: msg.text || '' }));
    call.on('end', () => call.end());
  },
  Fail(call, done) {
    done({ code: call.request.code || grpc.status.UNKNOWN, details: call.request.message || '' });
  },
  Sleep(call, done) {
    const timer = setTimeout(() => done(null, {}), call.request.ms || 0);
    call.on('cancelled', () => clearTimeout(timer));
  },
  Big(call, done) {
    const size = Math.min(call.request.bytes || 0, 16 << 20);
    done(null, { data: Buffer.alloc(size, 0x61) });
  },
};

const legacy = {
  Register(call, done) {
    done(null, call.request);
  },
};

const socket = process.argv[2];
if (!socket) {
  console.error('usage: node server.js SOCKET');
  process.exit(2);
}
const server = new grpc.Server();
server.addService(loaded.sample.v1.Echo.service, echo);
server.addService(loaded.interop.v1.Legacy.service, legacy);
new ReflectionService(definition).addToServer(server);
server.bindAsync('unix:' + socket, grpc.ServerCredentials.createInsecure(), (err) => {
  if (err) {
    console.error(err.message);
    process.exit(1);
  }
  console.log('ready');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.tryShutdown(() => process.exit(0)));
}
