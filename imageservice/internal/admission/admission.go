// Package admission admits jobs whose memory grows with their input against
// a budget of bytes: each job reserves its worst case before it starts and
// gives it back when done, so no mix of concurrent jobs holds more than the
// budget. It knows nothing about HTTP.
package admission

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// ErrOverBudget means a job needs more memory than the whole budget: it can
// never run, however long it waits.
var ErrOverBudget = errors.New("job needs more memory than the whole budget")

// ErrBusy means the memory a job needs did not come free within the wait.
var ErrBusy = errors.New("no memory free for the job within the wait")

// Gate hands out reservations of a fixed budget of bytes, first come first
// served: a large job waiting is not overtaken by smaller ones behind it
// (golang.org/x/sync/semaphore.Weighted). It is safe for concurrent use.
type Gate struct {
	sem    *semaphore.Weighted
	budget int64
	wait   time.Duration
}

// NewGate returns a gate over budget bytes whose reservations wait at most
// wait for memory to come free.
func NewGate(budget int64, wait time.Duration) *Gate {
	return &Gate{sem: semaphore.NewWeighted(max(budget, 0)), budget: max(budget, 0), wait: wait}
}

// Budget is the number of bytes the gate hands out.
func (g *Gate) Budget() int64 { return g.budget }

// Wait is how long a reservation waits for memory at most.
func (g *Gate) Wait() time.Duration { return g.wait }

// Reserve waits until n bytes are free, at most the gate's wait, and
// reserves them. Errors: ErrOverBudget at once when n exceeds the budget,
// ErrBusy when the wait ran out, or ctx's error when it is done first.
func (g *Gate) Reserve(ctx context.Context, n int64) (*Reservation, error) {
	r := &Reservation{gate: g}
	if err := r.Grow(ctx, n); err != nil {
		return nil, err
	}
	return r, nil
}

// acquire takes n bytes, waiting at most the gate's wait. Free memory with
// nobody queued before it is taken at once, whatever the wait: Weighted.Acquire
// fails a context that is done even when it could grant, so with a short wait
// on a busy machine, where the deadline may pass before Acquire runs, an
// upload was refused 503 with the whole budget free.
func (g *Gate) acquire(ctx context.Context, n int64) error {
	if g.sem.TryAcquire(n) {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, g.wait)
	defer cancel()
	if err := g.sem.Acquire(wctx, n); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: %d bytes wanted, waited %s", ErrBusy, n, g.wait)
	}
	return nil
}

// Reservation is memory held from a Gate for one job. Bytes, Shrink and
// Release are safe for concurrent use, Release may be called more than once;
// Grow is for the job's own goroutine.
type Reservation struct {
	gate *Gate
	mu   sync.Mutex
	n    int64
}

// Bytes is what the reservation holds now.
func (r *Reservation) Bytes() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// Grow waits until n more bytes are free, at most the gate's wait, and adds
// them to the reservation, for a job that learns what it needs as it reads
// its input. Errors as for Gate.Reserve; ErrOverBudget when the reservation
// would pass the budget, so a job never waits for memory it holds itself.
func (r *Reservation) Grow(ctx context.Context, n int64) error {
	n = max(n, 0)
	if held := r.Bytes(); held+n > r.gate.budget {
		return fmt.Errorf("%w: %d bytes wanted beside %d held, the budget is %d", ErrOverBudget, n, held, r.gate.budget)
	}
	if err := r.gate.acquire(ctx, n); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n += n
	return nil
}

// Shrink gives back what the reservation holds above n bytes, once a job
// knows it needs less than it reserved or has dropped part of its data.
func (r *Reservation) Shrink(n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n = max(n, 0); n < r.n {
		r.gate.sem.Release(r.n - n)
		r.n = n
	}
}

// Release gives back everything the reservation holds.
func (r *Reservation) Release() { r.Shrink(0) }
