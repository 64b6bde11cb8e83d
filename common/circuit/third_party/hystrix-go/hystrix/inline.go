package hystrix

// goblog: this file is not upstream's. See the copy's README.md.

import (
	"context"
	"errors"
	"time"
)

// DoInline runs your function on the calling goroutine inside the circuit,
// as DoC does: circuit open, MaxConcurrentRequests reached, run's error, the
// circuit's Timeout and ctx's end lead to the fallback and count as DoC counts
// them, and the return is DoC's.
//
// The difference is how the timeout is enforced. DoC runs run on a goroutine
// of its own, with one more goroutine and a timer watching the Timeout and
// ctx, and returns at the Timeout while run may go on. DoInline starts no
// goroutine: run gets a context that is done at the Timeout (its cause is
// ErrTimeout), and the outcome is decided when run returns. So run must
// return promptly once its context is done (net/http requests do); a run that
// ignores its context delays the fallback, and holds its ticket, until it
// returns. A run that returns after the Timeout is a timeout, whatever it
// returned, as DoC's timer would have decided; a run that fails after ctx
// ended counts as ctx's error.
//
// Unlike DoC, DoInline returns after the ticket is back in the pool and the
// execution is counted: a caller making calls one after the other never finds
// the pool taken by its own previous call.
func DoInline(ctx context.Context, name string, run runFuncC, fallback fallbackFuncC) error {
	circuit, _, err := GetCircuit(name)
	if err != nil {
		return err
	}
	// run and fallback are not kept in the command, which lives on the heap
	// (its events point into itself): passed along as arguments only, they
	// and what they capture can stay on the caller's stack.
	cmd := &command{
		start:   time.Now(),
		circuit: circuit,
	}
	cmd.events = cmd.eventsBuf[:0]
	defer cmd.reportAll()

	// The clock is read at the start, around the run (and by the Timeout's
	// context) and once more when the execution is counted; the circuit's
	// health, the pool's figures and the rolling numbers and timings use
	// those readings: 5 reads a successful call instead of 13 (a clock read
	// is 45 ns on the 2-core VM).
	if !circuit.allowRequestAt(cmd.start) {
		return cmd.fallbackWith(ctx, ErrCircuitOpen, fallback)
	}
	select {
	case cmd.ticket = <-circuit.executorPool.Tickets:
	default:
		return cmd.fallbackWith(ctx, ErrMaxConcurrency, fallback)
	}

	runCtx, cancel := context.WithTimeoutCause(ctx, getSettings(name).Timeout, ErrTimeout)
	runStart := time.Now()
	runErr := run(runCtx)
	runEnd := time.Now()
	cmd.runDuration = runEnd.Sub(runStart)
	timedOut := errors.Is(context.Cause(runCtx), ErrTimeout)
	cancel()
	circuit.executorPool.returnAt(cmd.ticket, runEnd)

	switch {
	case timedOut:
		return cmd.fallbackWith(ctx, ErrTimeout, fallback)
	case runErr == nil:
		cmd.reportEvent("success")
		return nil
	case ctx.Err() != nil:
		return cmd.fallbackWith(ctx, ctx.Err(), fallback)
	}
	return cmd.fallbackWith(ctx, runErr, fallback)
}

// reportAll reports the command's events to its circuit, as GoC does.
func (c *command) reportAll() {
	if err := c.circuit.ReportEvent(c.events, c.start, c.runDuration); err != nil {
		log.Printf(err.Error())
	}
}
