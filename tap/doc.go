// Package tap stands between a server's socket and its clients and shows
// their calls, decoded, as they happen: it forwards every connection byte
// for byte in both directions and parses a copy on the side, as HTTP/2
// (golang.org/x/net/http2's Framer and hpack; gRPC's length-prefixed
// messages per stream, headers and trailers) or as ttrpc's framing, and
// decodes the messages with the server's schema. It owns the tap's sockets
// too: the listening socket of proxy mode, and in interpose mode the swap
// that puts the tap in front of an existing socket file and back.
//
// A frontend starts a tap (Start), reads its Events and stops it (Stop).
// Addresses, the upstream and its schema alike, are opened through
// session; forwarding never waits for the parser, which gives up decoding
// a connection it cannot keep up with rather than slow it down.
package tap
