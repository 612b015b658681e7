//go:build linux

package tap

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sockscope/sample"
	"sockscope/sample/samplepb"
	"sockscope/sample/sampletest"
	"sockscope/session"
)

func interposeOn(t *testing.T, path string) *running {
	t.Helper()
	t.Setenv("XDG_RUNTIME_DIR", sampletest.ShortDir(t)) // the tap's records go here
	return startTap(t, Config{Upstream: session.Config{Address: path}, Interpose: true, Messages: true})
}

func TestInterposeAndPutBack(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{Reflection: sample.ReflectionV1})
	if err := os.Chmod(sock, 0o660); err != nil {
		t.Fatal(err)
	}
	before, err := idOf(sock)
	if err != nil {
		t.Fatal(err)
	}
	// A client connected before the tap arrives keeps its connection.
	early := samplepb.NewEchoClient(dialGRPC(t, sock))
	if _, err := early.Echo(context.Background(), &samplepb.EchoRequest{Message: "before"}); err != nil {
		t.Fatal(err)
	}

	r := interposeOn(t, sock)
	if r.Listen() != sock || r.Upstream() != sock+".sockscope-tapped" {
		t.Fatalf("listen %s, upstream %s", r.Listen(), r.Upstream())
	}
	if fi, err := os.Lstat(sock); err != nil || fi.Mode().Perm() != 0o660 || fi.Mode().Type() != os.ModeSocket {
		t.Fatalf("the tap's socket at the path: %v, %v; want a socket of mode 0660 as the server's was", fi, err)
	}
	if id, _ := idOf(sock + ".sockscope-tapped"); id != before {
		t.Fatal("the server's socket was not moved beside the path")
	}
	if _, err := early.Echo(context.Background(), &samplepb.EchoRequest{Message: "during"}); err != nil {
		t.Fatalf("the existing connection stopped working: %v", err)
	}
	late := samplepb.NewEchoClient(dialGRPC(t, sock))
	if reply, err := late.Echo(context.Background(), &samplepb.EchoRequest{Message: "tapped"}); err != nil || reply.GetMessage() != "tapped" {
		t.Fatalf("a new connection through the tap: %v, %v", reply, err)
	}

	events, rep := r.stop(t)
	if rep.Err != nil || len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "put "+sock+" back") {
		t.Errorf("report %+v", rep)
	}
	if after, err := idOf(sock); err != nil || after != before {
		t.Errorf("the path does not hold the server's socket again: %v", err)
	}
	if _, err := os.Lstat(sock + ".sockscope-tapped"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the renamed name is still there: %v", err)
	}
	if _, err := os.Lstat(recordPath(sock)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the record is still there: %v", err)
	}
	var methods []string
	for _, ev := range ofKind(events, CallStart) {
		methods = append(methods, ev.Method)
	}
	if len(methods) != 1 || methods[0] != "sample.v1.Echo/Echo" {
		t.Errorf("tapped calls %v, want the one made on the new connection", methods)
	}
	for _, n := range ofKind(events, Notice) {
		t.Log(n.Note)
	}
	if msgs := ofKind(events, MessageSeen); len(msgs) != 2 || string(msgs[0].JSON) != `{"message":"tapped"}` {
		t.Errorf("messages %+v", msgs)
	}
	if _, err := early.Echo(context.Background(), &samplepb.EchoRequest{Message: "after"}); err != nil {
		t.Errorf("the existing connection after the tap: %v", err)
	}
}

func TestInterposeLeavesARecreatedSocket(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{})
	r := interposeOn(t, sock)
	// The server re-creates its socket while the tap stands in front.
	if err := os.Remove(sock); err != nil {
		t.Fatal(err)
	}
	sampletest.ServeAt(t, sock, sample.Options{})
	recreated, _ := idOf(sock)
	_, rep := r.stop(t)
	if rep.Err == nil || !strings.Contains(rep.Err.Error(), sock+" now holds another socket") || !strings.Contains(rep.Err.Error(), "nothing was renamed back") {
		t.Errorf("report %+v", rep)
	}
	if id, _ := idOf(sock); id != recreated {
		t.Error("the re-created socket was touched")
	}
	if _, err := os.Lstat(sock + ".sockscope-tapped"); err != nil {
		t.Errorf("the earlier socket should be left where it is: %v", err)
	}
}

func TestRestoreAfterCrash(t *testing.T) {
	sock := sampletest.Serve(t, sample.Options{})
	before, _ := idOf(sock)
	t.Setenv("XDG_RUNTIME_DIR", sampletest.ShortDir(t))
	tp, err := Start(context.Background(), Config{Upstream: session.Config{Address: sock}, Interpose: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(sock); err == nil || !strings.Contains(err.Error(), "is still running") {
		t.Errorf("restore while the tap runs: %v", err)
	}
	// What a crash leaves: the tap's socket at the path, nobody listening.
	tp.ln.Close()
	note, err := Restore(sock)
	if err != nil || !strings.Contains(note, "put "+sock+" back") {
		t.Fatalf("restore: %q, %v", note, err)
	}
	if id, _ := idOf(sock); id != before {
		t.Error("the path does not hold the server's socket again")
	}
	if _, err := os.Lstat(sock + ".sockscope-tapped"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the tap's socket is left beside the path: %v", err)
	}
	if _, err := Restore(sock); !errors.Is(err, ErrNoRecord) {
		t.Errorf("a second restore: %v", err)
	}
}

func TestInterposeRefusals(t *testing.T) {
	dir := sampletest.ShortDir(t)
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o600)
	sock := sampletest.Serve(t, sample.Options{})
	os.WriteFile(sock+".sockscope-tapped", nil, 0o600)
	t.Setenv("XDG_RUNTIME_DIR", dir)
	for path, want := range map[string]string{
		file:                       "not a socket",
		filepath.Join(dir, "none"): "no such file",
		sock:                       "already exists: a tap is in front of",
		"@abstract":                "--interpose needs a socket file",
	} {
		_, err := Start(context.Background(), Config{Upstream: session.Config{Address: path}, Interpose: true})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("interpose on %s: %v, want %q", path, err, want)
		}
	}
}
