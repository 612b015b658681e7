package sockets

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// foundFile is a socket file found under a root.
type foundFile struct {
	display  string    // under the root as given
	resolved string    // under the root with links resolved, to match /proc
	stat     *fileStat // written by the stat pool
}

// walkRoots resolves and de-duplicates the roots, then walks each once,
// handing the sockets it lists to pool to be statted.
func walkRoots(ctx context.Context, opts Options, scan *Scan, pool *statPool) []foundFile {
	var roots []Root
	if !opts.NoDefaultRoots {
		for _, r := range DefaultRoots() {
			roots = append(roots, Root{Path: r, Default: true})
		}
	}
	for _, r := range opts.Roots {
		if r != AbstractRoot {
			roots = append(roots, Root{Path: r})
		}
	}

	walked := make(map[string]string) // resolved -> root path as given
	var order []int
	for i := range roots {
		r := &roots[i]
		abs, err := filepath.Abs(r.Path)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		if err == nil {
			var fi fs.FileInfo
			if fi, err = os.Stat(abs); err == nil && !fi.IsDir() {
				err = fmt.Errorf("not a directory")
			}
		}
		if err != nil {
			r.Err = fmt.Errorf("root %s: %w", r.Path, unwrapPathError(err))
			continue
		}
		r.Resolved = abs
		if first, dup := walked[abs]; dup {
			r.SameAs = first
			continue
		}
		walked[abs] = r.Path
		order = append(order, i)
	}

	var files []foundFile
	for _, i := range order {
		r := &roots[i]
		w := walker{ctx: ctx, maxDepth: opts.MaxDepth, otherRoots: walked, scan: scan, pool: pool}
		if err := w.walkRoot(filepath.Clean(r.Path), r.Resolved); err != nil {
			r.Err = fmt.Errorf("root %s: %w", r.Path, unwrapPathError(err))
			continue
		}
		scan.RootsRead++
		if files == nil {
			files = w.found
		} else {
			files = append(files, w.found...)
		}
	}
	for _, r := range roots {
		if r.Err != nil && !(r.Default && errors.Is(r.Err, fs.ErrNotExist)) {
			scan.Warnings = append(scan.Warnings, r.Err.Error())
		}
	}
	scan.Roots = roots
	// Each walk visits entries in path order (see visit), so one root's
	// files are sorted already; several roots, or one nested in another,
	// interleave.
	byDisplay := func(a, b foundFile) int { return strings.Compare(a.display, b.display) }
	if !slices.IsSortedFunc(files, byDisplay) {
		slices.SortFunc(files, byDisplay)
	}
	return files
}

// unwrapPathError drops the path from *fs.PathError, since messages name the
// root already.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

type walker struct {
	ctx        context.Context
	maxDepth   int
	otherRoots map[string]string
	scan       *Scan
	pool       *statPool
	found      []foundFile
}

func (w *walker) walkRoot(display, resolved string) error {
	entries, err := readDirSocketsAndDirs(resolved, w.pool)
	if err != nil {
		return err
	}
	w.visit(display, resolved, entries, 1)
	return nil
}

// visit records the sockets among entries (at depth) and descends into
// subdirectories. Symbolic links are never followed, and a directory that
// is itself a scan root is left to that root's walk.
func (w *walker) visit(display, resolved string, entries []dirEntry, depth int) {
	// In the order the paths under them sort, so that the files come out
	// sorted: comparing names is cheaper than comparing whole paths, which
	// share their directory's prefix.
	slices.SortFunc(entries, compareEntries)
	w.found = slices.Grow(w.found, len(entries))
	for _, e := range entries {
		if w.ctx.Err() != nil {
			return
		}
		switch {
		case e.typ&fs.ModeSocket != 0:
			full := joinClean(resolved, e.name)
			f := foundFile{resolved: full, display: full, stat: e.stat}
			if display != resolved {
				f.display = joinClean(display, e.name)
			}
			w.found = append(w.found, f)
		case e.typ.IsDir() && depth < w.maxDepth:
			childResolved := joinClean(resolved, e.name)
			if _, isRoot := w.otherRoots[childResolved]; isRoot {
				continue
			}
			childDisplay := childResolved
			if display != resolved {
				childDisplay = joinClean(display, e.name)
			}
			children, err := readDirSocketsAndDirs(childResolved, w.pool)
			if err != nil {
				w.scan.UnreadableDirs = append(w.scan.UnreadableDirs, childDisplay)
				continue
			}
			w.visit(childDisplay, childResolved, children, depth+1)
		}
	}
}

// compareEntries orders the entries of one directory as the paths under
// them sort: a directory's name compares as if followed by the separator,
// as its sockets' paths are.
func compareEntries(a, b dirEntry) int {
	n := min(len(a.name), len(b.name))
	if c := strings.Compare(a.name[:n], b.name[:n]); c != 0 {
		return c
	}
	return cmp.Compare(a.byteAfter(n), b.byteAfter(n))
}

// byteAfter is the byte at i of the paths under e, -1 where a socket's
// path ends.
func (e dirEntry) byteAfter(i int) int {
	switch {
	case i < len(e.name):
		return int(e.name[i])
	case e.typ.IsDir():
		return filepath.Separator
	}
	return -1
}

// joinClean joins a clean directory and a file name without filepath.Join's
// cleaning pass, which shows up when there are thousands of files.
func joinClean(dir, name string) string {
	if strings.HasSuffix(dir, string(filepath.Separator)) {
		return dir + name
	}
	return dir + string(filepath.Separator) + name
}

// dirEntry is a directory entry that discovery cares about: a socket or a
// directory (never a symbolic link).
type dirEntry struct {
	name string
	typ  fs.FileMode
	stat *fileStat // a socket's, once the stat pool has it
}
