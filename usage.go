package main

import (
	"flag"
	"fmt"
	"io"
)

func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `sockscope finds gRPC services on local sockets and calls them.

Usage:
  sockscope                       the TUI over every socket found on this machine
  sockscope ADDRESS               the TUI opened on one socket
                                  (--collection FILE: where ctrl+x saves requests)
  sockscope --demo                the TUI on the bundled sample server
  sockscope --scan [--json] [--root DIR]... [--no-probe]
  sockscope --list [--long] ADDRESS
  sockscope --describe SYMBOL ADDRESS
  sockscope --template SYMBOL ADDRESS
  sockscope --call METHOD [-d DATA] [-H 'key: value']... ADDRESS
  sockscope --health ADDRESS [SERVICE]
  sockscope --history [--json] [WORDS]...
  sockscope --rerun ID [-H 'key: value']... [ADDRESS]
  sockscope --run FILE [--only NAME]... [--var K=V]... [--junit FILE] [ADDRESS]
  sockscope --tap ADDRESS [--listen PATH] [-v] [--format jsonl] [--tap-out FILE]
  sockscope --tap PATH --interpose [-v] [--format jsonl] [--tap-out FILE]
  sockscope --tap PATH --restore
  sockscope --to-collection FILE --from-tap REC.jsonl ADDRESS
  sockscope --bench METHOD [-d DATA] [-n N | --duration D] [-c CONNS] [--concurrency K]
            [--rate RPS] [--vs ADDRESS2] [--format json] ADDRESS
  sockscope --sample-server [--socket PATH] [--tcp 127.0.0.1:0] [--reflection v1|v1alpha|none] [--token TOKEN]
  sockscope --completion bash|zsh|fish
  sockscope --version

ADDRESS is a socket path (/run/x.sock, ./x.sock, anything with a '/'), unix:///abs,
unix:rel, unix-abstract:NAME, @NAME (Linux abstract socket) or host:port (TCP);
plaintext unless --tls (or --cacert, --cert/--key, --servername, --insecure).
Flags may stand before or after ADDRESS.

Examples:
  sockscope --scan --root /run/containerd
  sockscope --sample-server &
  sockscope --list --long /run/user/1000/sockscope/sample.sock
  sockscope --describe sample.v1.Echo ./sample.sock
  sockscope --template sample.v1.Echo/Echo ./sample.sock
  sockscope --call sample.v1.Echo/Echo -d '{"message":"hi"}' ./sample.sock
  echo '{"value":1} {"value":2}' | sockscope --call sample.v1.Echo/Sum -d @ ./sample.sock
  sockscope --call sample.v1.Echo/Count -d '{"count":3}' --format jsonl ./sample.sock | jq .n
  sockscope --list --proto api.proto --import-path ./protos ./daemon.sock
  sockscope --call agent.v1.Admin/Status -H @token.txt /run/agent.sock   # credentials from a file
  sockscope --list --cacert ca.pem --cert me.pem --key me.key localhost:8443   # mTLS
  sockscope --bench sample.v1.Echo/Echo ./sample.sock --vs 127.0.0.1:PORT -n 20000
  source <(sockscope --completion bash)
  sockscope --tap ./sample.sock --listen ./tap.sock -v     # clients use ./tap.sock
  sudo sockscope --tap /run/containerd/containerd.sock --interpose --format jsonl

Exit status: 0 OK; 64 + the gRPC code for a failed call (NotFound is 69);
2 for usage errors and bad input; 1 for anything else (cannot connect, no schema).
--run exits 0 when every request passed, 1 when one failed, 2 for a bad file.
--health exits as grpc_health_probe: 0 SERVING, 1 bad arguments, 2 cannot
connect, 3 the check failed, 4 not SERVING.

Flags:
`)
	fs.PrintDefaults()
}
