// Package sockets owns socket discovery and classification: it finds Unix
// domain sockets under a set of scan roots and in Linux's /proc/net/unix
// (abstract sockets included), probes each listening one with nothing more
// than an HTTP/2 preface (plus, for HTTP/2 servers, gRPC reflection and health
// requests, and for gRPC servers without reflection one read-only call per
// candidate built-in schema) to tell gRPC from HTTP/1, other HTTP/2, other
// protocols, silent listeners and stale files, and says who owns the file
// and which process serves it.
//
// Discovery is fast and sends nothing; probing runs concurrently with a bound
// and a deadline per socket. Start delivers the discovered list at once and
// then streams each socket again as its probe finishes; Watch reports sockets
// appearing, vanishing and changing kind while a program runs.
package sockets
