package repair

import (
	"context"
	"errors"
	"sync"

	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
)

// reflectionRequest is what was asked, in the terms the repair needs.
type reflectionRequest struct {
	kind   requestKind
	name   string // file name, symbol, or extended message
	number int32  // extension number
}

type requestKind int

const (
	askOther requestKind = iota
	askFile
	askSymbol
	askExtension
)

func requestOf(r *refv1.ServerReflectionRequest) reflectionRequest {
	switch m := r.GetMessageRequest().(type) {
	case *refv1.ServerReflectionRequest_FileByFilename:
		return reflectionRequest{kind: askFile, name: m.FileByFilename}
	case *refv1.ServerReflectionRequest_FileContainingSymbol:
		return reflectionRequest{kind: askSymbol, name: m.FileContainingSymbol}
	case *refv1.ServerReflectionRequest_FileContainingExtension:
		return reflectionRequest{kind: askExtension, name: m.FileContainingExtension.GetContainingType(),
			number: m.FileContainingExtension.GetExtensionNumber()}
	}
	return reflectionRequest{}
}

// newRequest builds a file or symbol request.
func newRequest(q reflectionRequest) *refv1.ServerReflectionRequest {
	if q.kind == askFile {
		return &refv1.ServerReflectionRequest{MessageRequest: &refv1.ServerReflectionRequest_FileByFilename{FileByFilename: q.name}}
	}
	return &refv1.ServerReflectionRequest{MessageRequest: &refv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: q.name}}
}

// filesOf gives the files of a file descriptor response; ok is false for
// any other kind of response.
func filesOf(r *refv1.ServerReflectionResponse) (files [][]byte, ok bool) {
	fr := r.GetFileDescriptorResponse()
	if fr == nil {
		return nil, false
	}
	return fr.GetFileDescriptorProto(), true
}

// withFiles is r turned into a file descriptor response holding files.
func withFiles(r *refv1.ServerReflectionResponse, files [][]byte) *refv1.ServerReflectionResponse {
	return &refv1.ServerReflectionResponse{
		ValidHost:       r.GetValidHost(),
		OriginalRequest: r.GetOriginalRequest(),
		MessageResponse: &refv1.ServerReflectionResponse_FileDescriptorResponse{
			FileDescriptorResponse: &refv1.FileDescriptorResponse{FileDescriptorProto: files},
		},
	}
}

// repairingStream passes requests through and repairs the files in answers.
type repairingStream struct {
	reflectionStream
	ctx  context.Context
	stub refv1.ServerReflectionClient // for side look-ups
	r    *repairer

	mu      sync.Mutex
	pending []reflectionRequest // sent and not yet answered, oldest first
}

func (s *repairingStream) Send(req *refv1.ServerReflectionRequest) error {
	s.mu.Lock()
	s.pending = append(s.pending, requestOf(req))
	s.mu.Unlock()
	err := s.reflectionStream.Send(req)
	if err != nil {
		s.mu.Lock()
		s.pending = s.pending[:len(s.pending)-1]
		s.mu.Unlock()
	}
	return err
}

func (s *repairingStream) Recv() (*refv1.ServerReflectionResponse, error) {
	resp, err := s.reflectionStream.Recv()
	if err != nil {
		return nil, err
	}
	// The server answers requests in order, so the oldest pending one is
	// what this answers; OriginalRequest is optional and not relied on.
	s.mu.Lock()
	var req reflectionRequest
	if len(s.pending) > 0 {
		req = s.pending[0]
		s.pending = s.pending[1:]
	}
	s.mu.Unlock()

	files, ok := filesOf(resp)
	if !ok {
		if resp.GetErrorResponse() == nil {
			return resp, nil
		}
		// A server that does not serve a well-known file (or serves it
		// only inside a synthetic file) is answered from protobuf-go's own.
		if files = canonicalAnswer(req); files == nil {
			return resp, nil
		}
	}
	repaired, err := s.r.repair(req, files, s.sideLookups)
	if err != nil {
		return nil, err
	}
	return withFiles(resp, repaired), nil
}

// sideLookups opens a separate stream for what the repair needs to ask
// itself; answers on the main stream must match its requests one to one.
func (s *repairingStream) sideLookups() (sideStream, error) {
	ctx, cancel := context.WithCancel(s.ctx)
	stream, err := s.stub.ServerReflectionInfo(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	return &sideLookupStream{stream: stream, cancel: cancel}, nil
}

// errNotServed is a side look-up the server answered with an error.
var errNotServed = errors.New("not served")

type sideStream interface {
	// ask returns the files of the answer, errNotServed when the server
	// answered with an error, or the stream's own failure.
	ask(reflectionRequest) ([][]byte, error)
	close()
}

type sideLookupStream struct {
	stream reflectionStream
	cancel context.CancelFunc
}

func (g *sideLookupStream) ask(q reflectionRequest) ([][]byte, error) {
	if err := g.stream.Send(newRequest(q)); err != nil {
		return nil, err
	}
	resp, err := g.stream.Recv()
	if err != nil {
		return nil, err
	}
	if files, ok := filesOf(resp); ok {
		return files, nil
	}
	return nil, errNotServed
}

func (g *sideLookupStream) close() {
	_ = g.stream.CloseSend()
	g.cancel()
}
