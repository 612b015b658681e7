package collection

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"sockscope/client"
	"sockscope/history"
	"sockscope/sample"
	"sockscope/sample/sampletest"
)

// The path the TUI takes: a call is made and appended to the history,
// the open socket's history lists it, it is saved into a collection with
// its masked header named as a variable, and the collection lists it for
// that socket, loads it back and runs it.
func TestHistoryToCollectionAndBack(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1, Token: "hunter2"})
	target, _ := client.ParseAddress(sock)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := client.Dial(ctx, target, client.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	md := sampleMethod(t, "Echo")
	req := dynamicpb.NewMessage(md.Input())
	req.Set(md.Input().Fields().ByName("message"), protoreflect.ValueOfString("from the tui"))
	rec := &history.Recorder{}
	rec.Record(req)
	header := metadata.Pairs("authorization", "Bearer hunter2")
	result, err := client.Invoke(ctx, conn, md, header, nextOf([]proto.Message{req}), client.Handler{})
	if err != nil || result.Status.Code() != codes.OK {
		t.Fatalf("call: %v %v", result.Status, err)
	}
	store := history.Open(filepath.Join(t.TempDir(), "state", "sockscope", history.FileName), history.Limits{})
	entry, err := store.Append(history.NewEntry(history.Call{Time: time.Now(), Address: sock, Method: md, Requests: rec,
		Header: header, Deadline: 2 * time.Second, Result: result, Source: "tui"}))
	if err != nil {
		t.Fatal(err)
	}
	mine, err := store.ForAddress(sock)
	if err != nil || len(mine) != 1 || mine[0].ID != entry.ID {
		t.Fatalf("ForAddress: %v %v", mine, err)
	}

	path := filepath.Join(t.TempDir(), DefaultFile)
	d := FromEntry(mine[0], "hello")
	var se *SecretsError
	if err := Save(path, d, SaveOptions{LookupEnv: noEnv}); !errors.As(err, &se) {
		t.Fatalf("saving a masked header: %v", err)
	}
	for i, h := range d.Headers {
		if isSecret(h.Key) {
			d.Headers[i].Value = SecretReference(h.Key, h.Value, "TOKEN")
		}
	}
	if err := Save(path, d, SaveOptions{LookupEnv: noEnv}); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, d, SaveOptions{LookupEnv: noEnv}); !errors.Is(err, ErrExists) {
		t.Fatalf("saving the same name again without asking: %v", err)
	}

	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) { return "hunter2", k == "TOKEN" }
	listed := f.RequestsFor("unix://"+sock, env)
	if len(listed) != 1 {
		t.Fatalf("RequestsFor: %v", listed)
	}
	loaded, err := f.Resolve(listed[0], nil, env)
	if err != nil || loaded.Method != "sample.v1.Echo/Echo" || loaded.Deadline != 2*time.Second ||
		loaded.Body[0] != "{\n  \"message\": \"from the tui\"\n}" || loaded.Headers[0].Value != "hunter2" {
		t.Errorf("Resolve: %+v %v", loaded, err)
	}
	// The request's own header goes with reflection too, so the token in
	// the environment is all the run needs.
	sum := runFile(t, f, RunOptions{LookupEnv: func(k string) (string, bool) { return "Bearer hunter2", k == "TOKEN" }})
	if sum.Passed != 1 {
		t.Errorf("%+v", sum.Results)
	}
}
