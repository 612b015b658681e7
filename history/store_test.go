package history

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"
)

func newStore(t *testing.T, limits Limits) *Store {
	t.Helper()
	return Open(filepath.Join(t.TempDir(), "state", "sockscope", FileName), limits)
}

func entry(method string) Entry {
	return Entry{Time: time.Now(), Address: "/run/s.sock", Method: method, Requests: []json.RawMessage{json.RawMessage(`{"message":"hi"}`)}, Code: "OK"}
}

func TestAppendCreatesPrivateFilesAndMasks(t *testing.T) {
	s := newStore(t, Limits{})
	e := entry("sample.v1.Echo/Echo")
	e.Metadata = Mask(metadata.Pairs("authorization", "Bearer hunter2", "x-trace", "42", "x-api-key", "k", "blob-bin", "\x00\xff"))
	got, err := s.Append(e)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 1 {
		t.Errorf("first ID %d, want 1", got.ID)
	}
	// An entry built elsewhere with a secret in the clear is masked too.
	raw := entry("sample.v1.Echo/Echo")
	raw.Metadata = map[string][]string{"cookie": {"session=abc"}}
	if got, err = s.Append(raw); err != nil || got.ID != 2 {
		t.Fatalf("second append: ID %d, %v", got.ID, err)
	}
	b, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2", "session=abc", `"k"`} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the file holds the secret %s:\n%s", secret, b)
		}
	}
	for _, want := range []string{`"x-trace":["42"]`, `"authorization":["<masked>"]`, `"blob-bin":["AP8="]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the file lacks %s:\n%s", want, b)
		}
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{filepath.Dir(s.Path()): 0o700, s.Path(): 0o600} {
			fi, err := os.Lstat(path)
			if err != nil || fi.Mode().Perm() != want {
				t.Errorf("%s: mode %v, %v; want %v", path, fi.Mode().Perm(), err, want)
			}
		}
	}
	entries, skipped, err := s.Load()
	if err != nil || skipped != 0 || len(entries) != 2 || entries[0].ID != 2 {
		t.Fatalf("Load: %d entries (first %+v), %d skipped, %v", len(entries), entries, skipped, err)
	}
	if unkept := entries[1].Unkept(); strings.Join(unkept, ",") != "authorization,x-api-key" {
		t.Errorf("Unkept %v, want authorization and x-api-key", unkept)
	}
}

func TestAppendRefusesFilesNotOurs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("ownership and mode bits are Unix ones")
	}
	s := newStore(t, Limits{})
	dir := filepath.Dir(s.Path())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "elsewhere")
	os.WriteFile(target, nil, 0o600)
	if err := os.Symlink(target, s.Path()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(entry("a/b")); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("history through a symlink: %v, want a refusal", err)
	}
	if _, _, err := s.Load(); err == nil {
		t.Error("Load read through a symlink")
	}
	if b, _ := os.ReadFile(target); len(b) != 0 {
		t.Errorf("the symlink's target was written: %q", b)
	}
	os.Remove(s.Path())
	if os.Geteuid() == 0 {
		os.WriteFile(s.Path(), nil, 0o600)
		if err := os.Chown(s.Path(), 4242, 4242); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(entry("a/b")); err == nil || !strings.Contains(err.Error(), "owned by uid 4242") {
			t.Errorf("another user's history file: %v, want a refusal naming its owner", err)
		}
		os.Remove(s.Path())
	} else {
		t.Log("not root: cannot give the file to another user, so that refusal is not tried")
	}
	os.Chmod(dir, 0o755)
	if _, err := s.Append(entry("a/b")); err == nil || !strings.Contains(err.Error(), "0755") {
		t.Errorf("history in a directory open to others: %v, want a refusal naming its mode", err)
	}
}

func TestTrimKeepsNewestAndTheEntryBeingWritten(t *testing.T) {
	s := newStore(t, Limits{MaxEntries: 10})
	for i := 1; i <= 25; i++ {
		got, err := s.Append(entry(fmt.Sprintf("m/%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != int64(i) {
			t.Fatalf("append %d got ID %d", i, got.ID)
		}
		entries, _, err := s.Load()
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) > 10 || entries[0].ID != int64(i) || entries[0].Method != fmt.Sprintf("m/%d", i) {
			t.Fatalf("after append %d: %d entries, newest %d %s", i, len(entries), entries[0].ID, entries[0].Method)
		}
		for j := 1; j < len(entries); j++ {
			if entries[j].ID != entries[j-1].ID-1 {
				t.Fatalf("after append %d: IDs not consecutive: %d after %d", i, entries[j].ID, entries[j-1].ID)
			}
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(s.Path()), "*.tmp"))
	if len(leftovers) > 0 {
		t.Errorf("trimming left %v", leftovers)
	}
}

func TestTrimByBytes(t *testing.T) {
	s := newStore(t, Limits{MaxBytes: 4 << 10})
	big := entry("m/big")
	big.Requests = []json.RawMessage{json.RawMessage(`{"message":"` + strings.Repeat("x", 1000) + `"}`)}
	for i := 0; i < 20; i++ {
		if _, err := s.Append(big); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() > 4<<10 {
			t.Fatalf("after append %d the file is %d bytes, over the limit", i+1, fi.Size())
		}
	}
	entries, _, _ := s.Load()
	if len(entries) == 0 || entries[0].ID != 20 {
		t.Fatalf("the newest entry is missing: %+v", entries)
	}
	// An entry larger than the limit still goes in, alone.
	huge := entry("m/huge")
	huge.Requests = []json.RawMessage{json.RawMessage(`{"message":"` + strings.Repeat("y", 8<<10) + `"}`)}
	if got, err := s.Append(huge); err != nil || got.ID != 21 {
		t.Fatalf("huge entry: %d, %v", got.ID, err)
	}
	if entries, _, _ = s.Load(); len(entries) != 1 || entries[0].Method != "m/huge" {
		t.Fatalf("after the huge entry: %d entries", len(entries))
	}
	// The huge entry is now the first line, longer than the buffer its ID
	// is read with: the next ID still follows it.
	s.limits.MaxBytes = 1 << 20
	if got, err := s.Append(entry("m/after")); err != nil || got.ID != 22 {
		t.Fatalf("after a first line longer than the read buffer: %d, %v", got.ID, err)
	}
	if entries, _, _ = s.Load(); len(entries) != 2 {
		t.Fatalf("after the huge entry and one more: %d entries, want 2", len(entries))
	}
}

func TestCorruptLinesAreSkippedAndIDsGoOn(t *testing.T) {
	s := newStore(t, Limits{})
	if _, err := s.Append(entry("m/1")); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(s.Path(), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"id": 7, "method": "m/7"}` + "\n" + `{"id": 8, "meth`) // cut by a crash
	f.Close()
	got, err := s.Append(entry("m/next"))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 8 {
		t.Errorf("ID after a cut line: %d, want 8 (one past the highest whole entry)", got.ID)
	}
	entries, skipped, err := s.Load()
	if err != nil || skipped != 1 || len(entries) != 3 {
		t.Errorf("Load: %d entries, %d skipped, %v; want 3 and 1", len(entries), skipped, err)
	}
}

func TestConcurrentAppendsGetDistinctIDs(t *testing.T) {
	s := newStore(t, Limits{MaxEntries: 30})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if _, err := s.Append(entry("m/c")); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	entries, skipped, err := s.Load()
	if err != nil || skipped != 0 {
		t.Fatal(err, skipped)
	}
	seen := map[int64]bool{}
	for _, e := range entries {
		if seen[e.ID] {
			t.Errorf("ID %d given twice", e.ID)
		}
		seen[e.ID] = true
	}
	if entries[0].ID != 80 || len(entries) > 30 {
		t.Errorf("newest ID %d, %d entries; want 80 and at most 30", entries[0].ID, len(entries))
	}
}

func TestFindForAddressAndFilter(t *testing.T) {
	s := newStore(t, Limits{})
	dir := t.TempDir()
	wd, _ := os.Getwd()
	t.Cleanup(func() { os.Chdir(wd) })
	os.Chdir(dir)
	for _, addr := range []string{"./s.sock", "unix://" + filepath.Join(dir, "s.sock"), "@abstract", "localhost:50051"} {
		e := entry("sample.v1.Echo/Echo")
		e.Address = CanonicalAddress(addr)
		if _, err := s.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	mine, err := s.ForAddress(filepath.Join(dir, "s.sock"))
	if err != nil || len(mine) != 2 {
		t.Fatalf("ForAddress: %d entries, %v; want the two calls to that socket however it was named", len(mine), err)
	}
	if e, err := s.Find(3); err != nil || e.Address != "@abstract" {
		t.Errorf("Find(3): %+v, %v", e, err)
	}
	if _, err := s.Find(99); err == nil || !strings.Contains(err.Error(), "no such call") {
		t.Errorf("Find(99): %v", err)
	}
	all, _, _ := s.Load()
	if got := Filter(all, []string{"ECHO", "50051"}); len(got) != 1 || got[0].ID != 4 {
		t.Errorf("Filter: %+v", got)
	}
	if got := Filter(all, []string{"hi"}); len(got) != 4 {
		t.Errorf("words match the requests too: %d", len(got))
	}
}

func TestDefaultPathAndDisabled(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if p, _ := DefaultPath(env(map[string]string{"XDG_STATE_HOME": "/x/state", "HOME": "/home/u"})); p != "/x/state/sockscope/history.jsonl" {
		t.Errorf("with XDG_STATE_HOME: %s", p)
	}
	if p, _ := DefaultPath(env(map[string]string{"XDG_STATE_HOME": "rel", "HOME": "/home/u"})); p != "/home/u/.local/state/sockscope/history.jsonl" {
		t.Errorf("with a relative XDG_STATE_HOME: %s", p)
	}
	for v, want := range map[string]bool{"off": true, "OFF": true, "0": true, "": false, "on": false} {
		if got := Disabled(env(map[string]string{EnvVar: v})); got != want {
			t.Errorf("%s=%q: disabled %v, want %v", EnvVar, v, got, want)
		}
	}
}
