package sockets

import (
	"io/fs"
	"os"
	"runtime"
	"sync"
)

// statPool stats the socket files the walk finds, on every CPU, while the
// walk is still reading directories: with thousands of stale sockets in a
// directory the stat calls are most of discovery's time, and the walk that
// lists them, one getdents batch after another and then a sort, keeps a
// single CPU busy, so statting each batch as soon as it is listed puts the
// other CPUs to work during the walk instead of after it.
type statPool struct {
	jobs    chan statJob
	workers sync.WaitGroup
}

// statJob is one batch of a directory's sockets and where their stats go.
type statJob struct {
	dir   string
	names []string
	out   []fileStat
}

func newStatPool() *statPool {
	p := &statPool{jobs: make(chan statJob, 64)}
	for range runtime.GOMAXPROCS(0) {
		p.workers.Go(p.work)
	}
	return p
}

// submit gives each socket among entries, which were listed in dir, the
// place its stat will be written to, and queues the stats.
func (p *statPool) submit(dir string, entries []dirEntry) {
	sockets := 0
	for _, e := range entries {
		if e.typ&fs.ModeSocket != 0 {
			sockets++
		}
	}
	if sockets == 0 {
		return
	}
	job := statJob{dir: dir, names: make([]string, 0, sockets), out: make([]fileStat, sockets)}
	for i := range entries {
		if e := &entries[i]; e.typ&fs.ModeSocket != 0 {
			e.stat = &job.out[len(job.names)]
			job.names = append(job.names, e.name)
		}
	}
	p.jobs <- job
}

// wait returns once every queued stat is written; nothing may be submitted
// after it.
func (p *statPool) wait() {
	close(p.jobs)
	p.workers.Wait()
}

// work stats relative to an open directory, which it keeps open while the
// jobs come from the same one.
func (p *statPool) work() {
	var dir *os.File
	for job := range p.jobs {
		if dir == nil || dir.Name() != job.dir {
			if dir != nil {
				dir.Close()
			}
			dir, _ = os.Open(job.dir) // a failed open makes statSocketAt fall back to the path
		}
		for i, name := range job.names {
			job.out[i] = statSocketAt(dir, job.dir, name)
		}
	}
	if dir != nil {
		dir.Close()
	}
}
