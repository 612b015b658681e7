// Package client owns the calling side of sockscope: parsing an ADDRESS into a
// dial target, connecting to it in plaintext or TLS with failures (of the
// connect and of the handshakes) classified into one-line messages, reading requests (JSON or text format) into dynamic messages for
// the command line and the TUI alike, invoking RPCs of all four kinds without
// generated code, request metadata, and rendering statuses with their details.
//
// The package works purely from protobuf descriptors; where they come from
// (reflection, files) is the caller's business.
package client
