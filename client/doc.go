// Package client owns the calling side of sockscope: parsing an ADDRESS into a
// dial target, connecting to it with failures classified into one-line
// messages, reading JSON requests into dynamic messages, invoking RPCs of all
// four kinds without generated code, request metadata, and rendering statuses
// with their details.
//
// The package works purely from protobuf descriptors; where they come from
// (reflection, files) is the caller's business.
package client
