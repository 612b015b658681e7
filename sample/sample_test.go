package sample

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	refv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"sockscope/sample/samplepb"
)

func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sss")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func serve(t *testing.T, mode Reflection) *grpc.ClientConn {
	t.Helper()
	path := filepath.Join(tempDir(t), "s.sock")
	lis, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(Options{Reflection: mode})
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("unix://"+path, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestEchoContract(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	echo := samplepb.NewEchoClient(serve(t, ReflectionV1))

	reply, err := echo.Echo(metadata.AppendToOutgoingContext(ctx, "x-a", "1", "x-a", "2"), &samplepb.EchoRequest{Message: "hi"})
	if err != nil || reply.Message != "hi" || reply.Metadata["x-a"] != "1, 2" {
		t.Errorf("Echo: %v %v", reply, err)
	}

	count, err := echo.Count(ctx, &samplepb.CountRequest{Count: 5})
	if err != nil {
		t.Fatal(err)
	}
	for want := int32(1); ; want++ {
		r, err := count.Recv()
		if errors.Is(err, io.EOF) {
			if want != 6 {
				t.Errorf("Count ended after %d", want-1)
			}
			break
		}
		if err != nil || r.N != want {
			t.Fatalf("Count: %v %v, want n=%d", r, err, want)
		}
	}

	sum, err := echo.Sum(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int64{3, 4, 5} {
		sum.Send(&samplepb.SumRequest{Value: v})
	}
	if r, err := sum.CloseAndRecv(); err != nil || r.Total != 12 || r.Count != 3 {
		t.Errorf("Sum: %v %v", r, err)
	}

	chat, err := echo.Chat(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"a", "b"} {
		chat.Send(&samplepb.ChatMessage{Text: text})
		if r, err := chat.Recv(); err != nil || r.Text != text {
			t.Fatalf("Chat: %v %v, want %q before the next send", r, err, text)
		}
	}
	chat.CloseSend()
	if _, err := chat.Recv(); !errors.Is(err, io.EOF) {
		t.Errorf("Chat after CloseSend: %v", err)
	}

	_, err = echo.Fail(ctx, &samplepb.FailRequest{Code: 5, Message: "gone"})
	st := status.Convert(err)
	if st.Code() != codes.NotFound || st.Message() != "gone" {
		t.Errorf("Fail: %v", err)
	}
	var sawBadRequest, sawErrorInfo bool
	for _, d := range st.Details() {
		switch d.(type) {
		case *errdetails.BadRequest:
			sawBadRequest = true
		case *errdetails.ErrorInfo:
			sawErrorInfo = true
		}
	}
	if !sawBadRequest || !sawErrorInfo {
		t.Errorf("Fail details %v", st.Details())
	}
	if _, err := echo.Fail(ctx, &samplepb.FailRequest{Code: 0}); err != nil {
		t.Errorf("Fail code 0: %v", err)
	}
	if _, err := echo.Fail(ctx, &samplepb.FailRequest{Code: 99}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("Fail code 99: %v", err)
	}

	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if _, err := echo.Sleep(short, &samplepb.SleepRequest{Ms: 10000}); status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("Sleep past its deadline: %v", err)
	}
	if r, err := echo.Big(ctx, &samplepb.BigRequest{Bytes: 100000}); err != nil || len(r.Data) != 100000 {
		t.Errorf("Big: %d bytes, %v", len(r.GetData()), err)
	}
}

func TestWorkloads(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	w := samplepb.NewWorkloadsClient(serve(t, ReflectionV1))

	all, err := w.ListWorkloads(ctx, &samplepb.ListWorkloadsRequest{})
	if err != nil || len(all.Workloads) != 3 {
		t.Fatalf("List: %v %v", all, err)
	}
	running, _ := w.ListWorkloads(ctx, &samplepb.ListWorkloadsRequest{States: []samplepb.State{samplepb.State_STATE_RUNNING}})
	if len(running.GetWorkloads()) != 1 || running.Workloads[0].Id != "web-1" {
		t.Errorf("List running: %v", running)
	}
	if _, err := w.GetWorkload(ctx, &samplepb.GetWorkloadRequest{Id: "nope"}); status.Code(err) != codes.NotFound {
		t.Errorf("Get unknown: %v", err)
	}
	if _, err := w.CreateWorkload(ctx, &samplepb.CreateWorkloadRequest{Workload: &samplepb.Workload{Id: "web-1"}}); status.Code(err) != codes.AlreadyExists {
		t.Errorf("Create duplicate: %v", err)
	}

	events, err := w.WatchEvents(ctx, &samplepb.WatchEventsRequest{WorkloadId: "db-1"})
	if err != nil {
		t.Fatal(err)
	}
	// The watch is registered when its stream starts; give the server that moment.
	time.Sleep(100 * time.Millisecond)
	updated, err := w.UpdateWorkload(ctx, &samplepb.UpdateWorkloadRequest{
		Workload:   &samplepb.Workload{Id: "db-1", Name: "renamed", State: samplepb.State_STATE_RUNNING},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"state"}},
	})
	if err != nil || updated.State != samplepb.State_STATE_RUNNING || updated.Name != "postgres" {
		t.Fatalf("Update: %v %v (only state may change)", updated, err)
	}
	ev, err := events.Recv()
	if err != nil {
		t.Fatal(err)
	}
	change := &samplepb.StateChange{}
	if err := ev.Payload.UnmarshalTo(change); err != nil || change.To != samplepb.State_STATE_RUNNING {
		t.Errorf("event %v: %v", ev, err)
	}
	if _, err := w.UpdateWorkload(ctx, &samplepb.UpdateWorkloadRequest{
		Workload: &samplepb.Workload{Id: "db-1"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"no_such_field"}},
	}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("Update with a bad mask: %v", err)
	}
	beats, err := w.WatchEvents(ctx, &samplepb.WatchEventsRequest{Heartbeat: durationpb.New(20 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := beats.Recv(); err != nil || ev.Payload == nil {
		t.Errorf("heartbeat: %v %v", ev, err)
	}
	if d, err := w.DeleteWorkload(ctx, &samplepb.DeleteWorkloadRequest{Id: "vm-1"}); err != nil || d.Id != "vm-1" {
		t.Errorf("Delete: %v %v", d, err)
	}
}

func TestHealthAndReflectionModes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, mode := range []Reflection{ReflectionV1, ReflectionV1Alpha, ReflectionNone} {
		t.Run(mode.String(), func(t *testing.T) {
			conn := serve(t, mode)
			for _, svc := range []string{"", "sample.v1.Echo", "sample.v1.Workloads"} {
				r, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
				if err != nil || r.Status != healthpb.HealthCheckResponse_SERVING {
					t.Errorf("health %q: %v %v", svc, r, err)
				}
			}
			v1Err := listServices(ctx, conn, "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo")
			v1alphaErr := listServices(ctx, conn, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
			if (status.Code(v1Err) == codes.Unimplemented) != (mode != ReflectionV1) {
				t.Errorf("v1 reflection answered %v in mode %s", v1Err, mode)
			}
			if (status.Code(v1alphaErr) == codes.Unimplemented) != (mode != ReflectionV1Alpha) {
				t.Errorf("v1alpha reflection answered %v in mode %s", v1alphaErr, mode)
			}
		})
	}
}

// listServices asks the reflection service at method for the service
// names; v1alpha's messages are v1's, field for field.
func listServices(ctx context.Context, conn *grpc.ClientConn, method string) error {
	stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}, method)
	if err != nil {
		return err
	}
	req := &refv1.ServerReflectionRequest{MessageRequest: &refv1.ServerReflectionRequest_ListServices{}}
	if err := stream.SendMsg(req); err != nil {
		// A stream the server already ended (Unimplemented) fails the send
		// with io.EOF; its status comes with the receive.
		return stream.RecvMsg(&refv1.ServerReflectionResponse{})
	}
	return stream.RecvMsg(&refv1.ServerReflectionResponse{})
}

// TestReflectionServesComments checks the served descriptors keep the .proto
// comments, which protoc-gen-go's embedded descriptors do not.
func TestReflectionServesComments(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stream, err := refv1.NewServerReflectionClient(serve(t, ReflectionV1)).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stream.Send(&refv1.ServerReflectionRequest{MessageRequest: &refv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "sample.v1.Echo"}})
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, raw := range resp.GetFileDescriptorResponse().GetFileDescriptorProto() {
		fd := &descriptorpb.FileDescriptorProto{}
		if err := proto.Unmarshal(raw, fd); err != nil {
			t.Fatal(err)
		}
		for _, loc := range fd.GetSourceCodeInfo().GetLocation() {
			found = found || strings.Contains(loc.GetLeadingComments(), "Echo exercises every RPC kind")
		}
	}
	if !found {
		t.Error("the served echo.proto has no comments")
	}
}

func TestListenPermissionsAndCleanup(t *testing.T) {
	dir := filepath.Join(tempDir(t), "run")
	path := filepath.Join(dir, "s.sock")
	lis, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", p, st.Mode().Perm(), want)
		}
	}

	// Live: a second Listen must refuse and say who serves it.
	var inUse *InUseError
	go func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, err = Listen(path)
	if !errors.As(err, &inUse) {
		t.Fatalf("Listen on a live socket: %v, want InUseError", err)
	}
	if runtime.GOOS == "linux" && inUse.PID != os.Getpid() {
		t.Errorf("InUseError names pid %d, want ours (%d)", inUse.PID, os.Getpid())
	}

	lis.Close()
	if note, err := lis.Remove(); note != "" || err != nil {
		t.Errorf("removing our own socket: note %q, err %v", note, err)
	}
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("socket still there after Remove: %v", err)
	}
}

// TestRemoveLeavesReplacedSocket: when the path no longer holds the socket
// this server created — a regular file, or a second server's live socket,
// put there after the first was moved aside — exiting leaves it alone.
func TestRemoveLeavesReplacedSocket(t *testing.T) {
	dir := tempDir(t)
	path := filepath.Join(dir, "s.sock")
	first, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	if err := os.Rename(path, path+".aside"); err != nil {
		t.Fatal(err)
	}
	second, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	note, err := first.Remove()
	if err != nil || !strings.Contains(note, "left "+path+" in place") {
		t.Errorf("removing a replaced socket: note %q, err %v", note, err)
	}
	if conn, err := net.Dial("unix", path); err != nil {
		t.Errorf("the second server's socket is gone: %v", err)
	} else {
		conn.Close()
	}

	second.Close()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if note, _ := second.Remove(); note == "" {
		t.Error("a regular file in the socket's place was not reported")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "keep me" {
		t.Errorf("the regular file was touched: %q %v", b, err)
	}
}

// TestDefaultDirMustBePrivate: the default socket directory is used only
// when it is a private directory of this user's; a symlink or a directory
// open to others is refused and nothing is created through it.
func TestDefaultDirMustBePrivate(t *testing.T) {
	runtimeDir := tempDir(t)
	t.Setenv("XDG_RUNTIME_DIR", runtimeDir)
	target := filepath.Join(runtimeDir, "elsewhere")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(runtimeDir, "sockscope")); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(DefaultSocketPath()); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("a symlinked default directory: %v, want a refusal", err)
	}
	if entries, _ := os.ReadDir(target); len(entries) > 0 {
		t.Errorf("something was created through the symlink: %v", entries)
	}

	os.Remove(filepath.Join(runtimeDir, "sockscope"))
	if err := os.Mkdir(filepath.Join(runtimeDir, "sockscope"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(runtimeDir, "sockscope"), 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(DefaultSocketPath()); err == nil || !strings.Contains(err.Error(), "0777") {
		t.Errorf("a default directory open to others: %v, want a refusal naming its mode", err)
	}
	if os.Geteuid() == 0 {
		dir := filepath.Join(runtimeDir, "sockscope")
		if err := os.Chmod(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := Listen(DefaultSocketPath()); err == nil || !strings.Contains(err.Error(), "owned by") {
			t.Errorf("another user's default directory: %v, want a refusal naming its owner", err)
		}
		if _, err := os.Lstat(DefaultSocketPath()); !os.IsNotExist(err) {
			t.Errorf("a socket was created in another user's directory: %v", err)
		}
	}
}

func TestListenReplacesOnlyStaleSockets(t *testing.T) {
	dir := tempDir(t)
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	lis, err := Listen(stale)
	if err != nil {
		t.Fatalf("stale socket not replaced: %v", err)
	}
	lis.Close()

	regular := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(regular, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(regular); !errors.Is(err, ErrNotSocket) {
		t.Errorf("Listen on a regular file: %v, want ErrNotSocket", err)
	}
	if b, err := os.ReadFile(regular); err != nil || string(b) != "keep me" {
		t.Errorf("the regular file was touched: %q %v", b, err)
	}
}

func TestDefaultSocketPath(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1234")
	if got := DefaultSocketPath(); got != "/run/user/1234/sockscope/sample.sock" {
		t.Errorf("with XDG_RUNTIME_DIR: %s", got)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	if got := DefaultSocketPath(); !strings.HasPrefix(got, os.TempDir()) || !strings.HasSuffix(got, "/sample.sock") {
		t.Errorf("without XDG_RUNTIME_DIR: %s", got)
	}
}

func TestParseReflection(t *testing.T) {
	for _, r := range []Reflection{ReflectionV1, ReflectionV1Alpha, ReflectionNone} {
		if got, err := ParseReflection(r.String()); err != nil || got != r {
			t.Errorf("ParseReflection(%q) = %v, %v", r.String(), got, err)
		}
	}
	if _, err := ParseReflection("v2"); err == nil || !strings.Contains(err.Error(), "v2") {
		t.Errorf("ParseReflection(v2): %v", err)
	}
}
