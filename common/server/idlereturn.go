package server

import (
	"context"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/sirupsen/logrus"
)

// IdleReturn gives back to the operating system, once, the memory a busy
// period left behind, as soon as that period is over rather than whenever the
// runtime gets to it (issue 13, item 3).
//
// Why: after a load, an idle Go service allocates almost nothing, so no
// collection is due; the load's garbage stays until the runtime's forced
// collection (at most 2 minutes after the last one), and the scavenger then
// returns the freed pages gradually. The heap profile after a load holds
// about 1 MB of our objects (accountservice: wrk -c100 for 15 s, heap?gc=1)
// while the process kept 11-16 MB, all of it the runtime's: garbage, free
// spans not yet scavenged, stacks of the goroutines of closed connections.
// Nothing of ours is left to fix, which is the case where a forced
// collection is the remedy. It is not periodic: one debug.FreeOSMemory (a
// collection, then every free page returned) per busy period, none while
// idle, none during a load.
//
// Runner counts the requests of its servers and reads the count every Tick.
// A tick with Busy requests or more starts (or continues) a busy period; a
// tick with at most Quiet requests (health checks, metric scrapes) is quiet;
// once the ticks since the last busy or working one have been quiet for
// QuietFor, Free is called once and the next return waits for the next busy
// period. A tick between Quiet and Busy is neither: it delays the return.
// Time is counted in ticks, so a tick the watcher missed makes the return
// later, never earlier. Work that does not come as HTTP requests (vipservice's
// RabbitMQ deliveries) counts when the service reports it through Work.
type IdleReturn struct {
	// Tick is how often the request count is read; zero turns IdleReturn off.
	Tick time.Duration
	// Busy is the number of requests within one tick that makes it busy.
	Busy int64
	// Quiet is the number of requests within one tick that still counts as
	// quiet.
	Quiet int64
	// QuietFor is how long the ticks after a busy period must stay quiet
	// before the return.
	QuietFor time.Duration
	// Work, when set, reports the work done since the start that does not
	// come as a request to the Runner's Servers (vipservice: the RabbitMQ
	// deliveries it handled), in the same unit as the requests: it is read at
	// every tick and added to their count. It must never decrease and be safe
	// to call from another goroutine. Nil: requests only.
	Work func() int64
	// Free returns the memory; nil means returnMemory. Tests fake it.
	Free func()
}

// DefaultIdleReturn is the IdleReturn every service passes to its Runner:
// read every 5 s; busy from 50 requests in 5 s (10 req/s), quiet up to 10
// (two req/s: the 5-second health check and a scrape); the return after 95 s
// of quiet, so after the downstream keep-alive connections the load opened
// have expired (net/http's IdleConnTimeout, 90 s) and their goroutines,
// stacks and buffers are garbage too, and still within the 2 minutes the
// issue allows: the return lands 95-100 s after the load's last request.
func DefaultIdleReturn() IdleReturn {
	return IdleReturn{Tick: 5 * time.Second, Busy: 50, Quiet: 10, QuietFor: 95 * time.Second}
}

// enabled reports whether r watches at all.
func (r IdleReturn) enabled() bool { return r.Tick > 0 }

// watch calls requests (the number of requests served since the start) at
// every tick until ctx is done, and returns the memory (r.Free) when
// idleDetector says the busy period is over, logging what the runtime held
// before and after at info.
func (r IdleReturn) watch(ctx context.Context, requests func() int64, ticks <-chan time.Time, log logrus.FieldLogger) {
	free := r.Free
	if free == nil {
		free = returnMemory
	}
	d := idleDetector{cfg: r}
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			if !d.observe(requests()) {
				continue
			}
			before := heapFigures()
			free()
			after := heapFigures()
			log.WithFields(logrus.Fields{
				"quietFor":         r.QuietFor.String(),
				"heapInUseMiB":     after.inUse,
				"heapHeldMiBFrom":  before.held,
				"heapHeldMiB":      after.held,
				"goroutines":       runtime.NumGoroutine(),
				"collectionsSoFar": after.collections,
			}).Info("busy period over: memory returned to the OS")
		}
	}
}

// returnMemory collects once, so that what the sync.Pools held during the
// load (net/http's and bufio's buffers, kept one collection longer in the
// pools' victim caches) is garbage too, then calls debug.FreeOSMemory: one
// more collection and every free page returned to the OS.
func returnMemory() {
	runtime.GC()
	debug.FreeOSMemory()
}

// heapFigure is what the runtime held of its heap, in MiB, when read.
type heapFigure struct {
	inUse       float64 // HeapInuse: spans holding objects
	held        float64 // HeapSys - HeapReleased: heap memory the process still holds
	collections uint32
}

// heapFigures reads the runtime's heap figures (a short stop of the world;
// once per busy period).
func heapFigures() heapFigure {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	const mib = 1 << 20
	round := func(b uint64) float64 { return float64(b*10/mib) / 10 }
	return heapFigure{inUse: round(m.HeapInuse), held: round(m.HeapSys - m.HeapReleased), collections: m.NumGC}
}

// idleDetector is IdleReturn's decision, one tick at a time.
type idleDetector struct {
	cfg   IdleReturn
	last  int64         // the request count at the previous tick
	busy  bool          // a busy period happened since the last return
	quiet time.Duration // how long the ticks have been quiet since then
}

// observe takes the request count read at a tick and reports whether to
// return the memory now.
func (d *idleDetector) observe(total int64) bool {
	n := total - d.last
	d.last = total
	switch {
	case n >= d.cfg.Busy:
		d.busy, d.quiet = true, 0
	case n > d.cfg.Quiet:
		d.quiet = 0
	case d.busy:
		d.quiet += d.cfg.Tick
		if d.quiet >= d.cfg.QuietFor {
			d.busy, d.quiet = false, 0
			return true
		}
	}
	return false
}
