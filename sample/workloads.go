package sample

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"sockscope/sample/samplepb"
)

// workloadsServer keeps workloads in memory, seeded so calls return real data.
type workloadsServer struct {
	samplepb.UnimplementedWorkloadsServer

	mu        sync.Mutex
	workloads map[string]*samplepb.Workload
	watchers  map[chan *samplepb.Event]struct{}
}

func newWorkloadsServer() *workloadsServer {
	created := timestamppb.New(time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC))
	annotations, _ := structpb.NewStruct(map[string]any{"team": "edge", "tier": 2})
	s := &workloadsServer{workloads: map[string]*samplepb.Workload{}, watchers: map[chan *samplepb.Event]struct{}{}}
	for _, w := range []*samplepb.Workload{
		{
			Id: "web-1", Name: "web", State: samplepb.State_STATE_RUNNING,
			Labels: map[string]string{"app": "web", "env": "dev"},
			Spec: &samplepb.Workload_Container{Container: &samplepb.ContainerSpec{
				Image: "docker.io/library/nginx:1.27", Command: []string{"nginx", "-g", "daemon off;"},
				Env: map[string]string{"NGINX_PORT": "8080"},
			}},
			Resources:   &samplepb.Resources{CpuMillis: 500, MemoryBytes: 256 << 20, Gpu: wrapperspb.Bool(false)},
			Ports:       []*samplepb.Port{{ContainerPort: 8080, HostPort: 18080, Protocol: samplepb.Port_PROTOCOL_TCP}},
			CreatedAt:   created,
			Uptime:      durationpb.New(36 * time.Hour),
			Annotations: annotations,
			Restarts:    wrapperspb.UInt32(2),
			Description: proto.String("front door of the dev stack"),
			Checksum:    []byte{0xde, 0xad, 0xbe, 0xef},
		},
		{
			Id: "db-1", Name: "postgres", State: samplepb.State_STATE_PAUSED,
			Labels: map[string]string{"app": "db", "env": "dev"},
			Spec: &samplepb.Workload_Container{Container: &samplepb.ContainerSpec{
				Image: "docker.io/library/postgres:17", Env: map[string]string{"POSTGRES_DB": "app"},
			}},
			Resources: &samplepb.Resources{CpuMillis: 1000, MemoryBytes: 1 << 30},
			Ports:     []*samplepb.Port{{ContainerPort: 5432, HostPort: 15432}},
			CreatedAt: created,
		},
		{
			Id: "vm-1", Name: "builder", State: samplepb.State_STATE_STOPPED,
			Labels:    map[string]string{"app": "ci"},
			Spec:      &samplepb.Workload_Vm{Vm: &samplepb.VirtualMachineSpec{Kernel: "/var/lib/vms/vmlinux", Vcpus: 2}},
			Resources: &samplepb.Resources{CpuMillis: 2000, MemoryBytes: 2 << 30, Gpu: wrapperspb.Bool(true)},
			CreatedAt: created,
		},
	} {
		s.workloads[w.Id] = w
	}
	return s
}

func (s *workloadsServer) ListWorkloads(_ context.Context, req *samplepb.ListWorkloadsRequest) (*samplepb.ListWorkloadsResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &samplepb.ListWorkloadsResponse{}
	for _, w := range s.workloads {
		if matches(w, req) {
			out.Workloads = append(out.Workloads, proto.Clone(w).(*samplepb.Workload))
		}
	}
	sort.Slice(out.Workloads, func(i, j int) bool { return out.Workloads[i].Id < out.Workloads[j].Id })
	if ps := req.GetPageSize(); ps != nil && ps.Value >= 0 && int(ps.Value) < len(out.Workloads) {
		out.Workloads = out.Workloads[:ps.Value]
	}
	return out, nil
}

func matches(w *samplepb.Workload, req *samplepb.ListWorkloadsRequest) bool {
	if len(req.GetStates()) > 0 {
		found := false
		for _, st := range req.GetStates() {
			found = found || st == w.State
		}
		if !found {
			return false
		}
	}
	for k, v := range req.GetLabels() {
		if w.Labels[k] != v {
			return false
		}
	}
	return true
}

func (s *workloadsServer) GetWorkload(_ context.Context, req *samplepb.GetWorkloadRequest) (*samplepb.Workload, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.workloads[req.GetId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no workload %q", req.GetId())
	}
	return proto.Clone(w).(*samplepb.Workload), nil
}

func (s *workloadsServer) CreateWorkload(_ context.Context, req *samplepb.CreateWorkloadRequest) (*samplepb.Workload, error) {
	w := proto.Clone(req.GetWorkload()).(*samplepb.Workload)
	if w == nil || w.Id == "" {
		return nil, status.Error(codes.InvalidArgument, "workload.id is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.workloads[w.Id]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "workload %q exists", w.Id)
	}
	if w.CreatedAt == nil {
		w.CreatedAt = timestamppb.Now()
	}
	if w.State == samplepb.State_STATE_UNSPECIFIED {
		w.State = samplepb.State_STATE_CREATED
	}
	s.workloads[w.Id] = w
	s.publishLocked(w.Id, samplepb.State_STATE_UNSPECIFIED, w.State, "created")
	return proto.Clone(w).(*samplepb.Workload), nil
}

func (s *workloadsServer) UpdateWorkload(_ context.Context, req *samplepb.UpdateWorkloadRequest) (*samplepb.Workload, error) {
	in := req.GetWorkload()
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.workloads[in.GetId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no workload %q", in.GetId())
	}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		return nil, status.Error(codes.InvalidArgument, "update_mask names no field")
	}
	before := w.State
	for _, path := range paths {
		fd := w.ProtoReflect().Descriptor().Fields().ByName(protoName(path))
		if fd == nil || fd.Name() == "id" {
			return nil, status.Errorf(codes.InvalidArgument, "update_mask: %q is not a field that can be updated", path)
		}
		src := in.ProtoReflect()
		if src.Has(fd) {
			w.ProtoReflect().Set(fd, src.Get(fd))
		} else {
			w.ProtoReflect().Clear(fd)
		}
	}
	if w.State != before {
		s.publishLocked(w.Id, before, w.State, "updated")
	}
	return proto.Clone(w).(*samplepb.Workload), nil
}

// protoName turns a FieldMask path (lowerCamel or snake_case) into a field name.
func protoName(path string) protoreflect.Name {
	var b strings.Builder
	for _, r := range path {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return protoreflect.Name(b.String())
}

func (s *workloadsServer) DeleteWorkload(_ context.Context, req *samplepb.DeleteWorkloadRequest) (*samplepb.Workload, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.workloads[req.GetId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no workload %q", req.GetId())
	}
	delete(s.workloads, w.Id)
	s.publishLocked(w.Id, w.State, samplepb.State_STATE_UNSPECIFIED, "deleted")
	return w, nil
}

func (s *workloadsServer) WatchEvents(req *samplepb.WatchEventsRequest, stream samplepb.Workloads_WatchEventsServer) error {
	events := make(chan *samplepb.Event, 64)
	s.mu.Lock()
	s.watchers[events] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.watchers, events)
		s.mu.Unlock()
	}()
	var heartbeat <-chan time.Time
	if d := req.GetHeartbeat().AsDuration(); req.GetHeartbeat() != nil && d > 0 {
		t := time.NewTicker(max(d, 10*time.Millisecond))
		defer t.Stop()
		heartbeat = t.C
	}
	for {
		select {
		case <-stream.Context().Done():
			return status.FromContextError(stream.Context().Err()).Err()
		case ev := <-events:
			if req.GetWorkloadId() != "" && ev.WorkloadId != req.GetWorkloadId() {
				continue
			}
			if err := stream.Send(ev); err != nil {
				return err
			}
		case <-heartbeat:
			payload, _ := anypb.New(&emptypb.Empty{})
			if err := stream.Send(&samplepb.Event{At: timestamppb.Now(), Payload: payload}); err != nil {
				return err
			}
		}
	}
}

// publishLocked tells every watcher; a watcher too slow to keep up misses events
// rather than stalling the API.
func (s *workloadsServer) publishLocked(id string, from, to samplepb.State, reason string) {
	payload, err := anypb.New(&samplepb.StateChange{From: from, To: to, Reason: reason})
	if err != nil {
		return
	}
	ev := &samplepb.Event{WorkloadId: id, At: timestamppb.Now(), Payload: payload}
	for ch := range s.watchers {
		select {
		case ch <- ev:
		default:
		}
	}
}
