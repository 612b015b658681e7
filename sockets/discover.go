package sockets

import (
	"context"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults applied when the matching Options field is zero, and the ones
// flags that set the same limits start from.
const (
	DefaultMaxDepth      = 6
	DefaultProbeTimeout  = time.Second
	DefaultConcurrency   = 32
	DefaultWatchInterval = 2 * time.Second
)

// Options says where to look and how to probe. The zero value scans the
// default roots with the defaults above.
type Options struct {
	// Roots are directories to scan in addition to DefaultRoots; AbstractRoot
	// among them stands for Linux's abstract namespace.
	Roots []string
	// NoDefaultRoots scans only Roots: the abstract namespace, one of the
	// default roots, only when AbstractRoot is among them.
	NoDefaultRoots bool
	// MaxDepth bounds how many directory levels below a root are searched;
	// a socket directly in a root is at depth 1.
	MaxDepth int
	// ProbeTimeout bounds each probe's wait for an answer.
	ProbeTimeout time.Duration
	// Concurrency bounds how many probes run at once.
	Concurrency int
	// NoProbe only reads the file system and /proc; nothing is sent to any
	// socket and stream sockets are KindUnprobed.
	NoProbe bool
	// WatchInterval is how often Watch rereads /proc/net/unix and the roots.
	WatchInterval time.Duration
}

// AbstractRoot, as a root, stands for the abstract socket namespace, which
// the default roots include.
const AbstractRoot = "@"

func (o Options) scansAbstract() bool {
	return !o.NoDefaultRoots || slices.Contains(o.Roots, AbstractRoot)
}

func (o Options) withDefaults() Options {
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.ProbeTimeout <= 0 {
		o.ProbeTimeout = DefaultProbeTimeout
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.WatchInterval <= 0 {
		o.WatchInterval = DefaultWatchInterval
	}
	return o
}

// DefaultRoots are the directories where daemons usually put their sockets:
// the temporary directory, /tmp, /run, /var/run, $XDG_RUNTIME_DIR and
// /var/lib/kubelet (device and CSI plugins). Missing ones are skipped
// quietly.
func DefaultRoots() []string {
	roots := []string{os.TempDir(), "/tmp", "/run", "/var/run"}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		roots = append(roots, dir)
	}
	return append(roots, "/var/lib/kubelet")
}

// Root is what became of one scan root.
type Root struct {
	// Path is the root as given.
	Path string
	// Resolved is Path with symbolic links resolved; empty when it could not
	// be resolved.
	Resolved string
	// Default marks a root from DefaultRoots rather than Options.Roots.
	Default bool
	// SameAs names an earlier root that resolves to the same directory; this
	// one was not walked again.
	SameAs string
	// Err is why the root could not be read; nil when it was.
	Err error
}

// Scan is the result of discovery. Probes deliver their results as new
// Socket values, which Update puts in place of the discovered ones.
type Scan struct {
	// Sockets are sorted by path; file sockets first, then abstract ones.
	Sockets []Socket
	Roots   []Root
	// RootsRead counts the roots (after removing duplicates) that could be
	// read. Zero means the scan saw no file system at all.
	RootsRead int
	// UnreadableDirs are directories below the roots that could not be read.
	UnreadableDirs []string
	// ProcNetUnix tells whether /proc/net/unix was read: without it listening
	// state, socket types and abstract sockets are unknown.
	ProcNetUnix bool
	// Warnings are non-fatal problems, one line each.
	Warnings []string

	index map[string]int // Path -> position in Sockets, for Update
}

// Discover finds sockets without sending anything to them: it walks the
// roots and reads /proc/net/unix. Stream sockets come back KindPending (or
// KindUnprobed with Options.NoProbe).
func Discover(ctx context.Context, opts Options) (*Scan, error) {
	return discover(ctx, opts.withDefaults(), true)
}

// discover is Discover; withProcesses=false skips the /proc fd scan that
// --no-probe uses to name servers, for callers that only want a subset.
func discover(ctx context.Context, opts Options, withProcesses bool) (*Scan, error) {
	scan := &Scan{}
	// /proc does not depend on the walk: it is read while the roots are,
	// on the other CPU when there is one.
	procDone := make(chan struct{})
	var proc procView
	go func() {
		proc = readProcView(opts, withProcesses)
		close(procDone)
	}()
	pool := newStatPool()
	files := walkRoots(ctx, opts, scan, pool)
	pool.wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	byPath := func() map[string]*procSummary {
		<-procDone
		return proc.byPath
	}
	scan.Sockets = describeFiles(files, opts.NoProbe, byPath)
	<-procDone
	if proc.warning != "" {
		scan.Warnings = append(scan.Warnings, proc.warning)
	}
	scan.ProcNetUnix = proc.ok

	owners := newOwnerCache()
	procs := processCache{}
	var abstract []Socket
	for path, sum := range proc.byPath {
		if !strings.HasPrefix(path, "@") || (sum.socketType == TypeStream && !sum.listening) {
			// A bound stream socket that does not listen has nothing to find.
			continue
		}
		s := Socket{Path: path, Abstract: true, Owner: abstractOwner(owners, sum.pid)}
		applyProc(&s, sum, procs)
		s.Kind, s.Hint = initialKind(s, opts.NoProbe)
		applyNameHint(&s)
		abstract = append(abstract, s)
	}
	slices.SortFunc(abstract, func(a, b Socket) int { return strings.Compare(a.Path, b.Path) })
	scan.Sockets = append(scan.Sockets, abstract...)
	return scan, nil
}

// procView is what /proc tells discovery, keyed by resolved path.
type procView struct {
	byPath  map[string]*procSummary
	ok      bool
	warning string
}

// readProcView reads /proc/net/unix and, in one pass over the fd tables,
// the processes holding the listeners discovery needs named: those bound
// by a relative path always, the abstract ones with withProcesses, and
// with NoProbe the file sockets' too, since without a probe connection the
// fd tables are the only way to the serving process (ss -xlp does the same).
func readProcView(opts Options, withProcesses bool) procView {
	entries, haveProc, err := readProcNetUnix()
	v := procView{ok: haveProc}
	if err != nil {
		v.warning = err.Error()
	}
	if !haveProc {
		return v
	}
	summaries := summarizeProc(entries)
	if !opts.scansAbstract() {
		// Abstract sockets are in no directory: scanning only the
		// --root directories leaves them out, unless one is "@".
		for path := range summaries {
			if strings.HasPrefix(path, "@") {
				delete(summaries, path)
			}
		}
	}
	findListeners(summaries, withProcesses, opts.NoProbe && withProcesses)
	v.byPath = canonicalProcPaths(summaries)
	return v
}

// initialKind is the kind known before any probe.
func initialKind(s Socket, noProbe bool) (Kind, string) {
	switch {
	case s.SocketType == TypeDatagram || s.SocketType == TypeSeqPacket:
		return KindNotStream, s.SocketType + " socket: not probed (gRPC needs a stream socket)"
	case noProbe:
		return KindUnprobed, ""
	}
	return KindPending, ""
}

// describeFiles describes each of the statted files as a Socket, on every
// CPU, each worker taking a contiguous run with caches of its own, once
// byPath, what /proc knows, is there.
func describeFiles(files []foundFile, noProbe bool, byPath func() map[string]*procSummary) []Socket {
	socks := make([]Socket, len(files), len(files)+8)
	workers := min(runtime.GOMAXPROCS(0), len(files)/256+1)
	per := (len(files) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(files); lo += per {
		hi := min(lo+per, len(files))
		wg.Go(func() {
			known := byPath()
			owners := newOwnerCache()
			procs := processCache{}
			for i := lo; i < hi; i++ {
				st := *files[i].stat
				s := &socks[i]
				*s = Socket{Path: files[i].display, Owner: owners.owner(st), fileID: st.id}
				if sum, ok := known[files[i].resolved]; ok {
					applyProc(s, sum, procs)
				}
				s.Kind, s.Hint = initialKind(*s, noProbe)
				applyNameHint(s)
			}
		})
	}
	wg.Wait()
	return socks
}
