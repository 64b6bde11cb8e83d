package overhead

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Run is one program measured under one load.
type Run struct {
	Round   int    // 1-based: the programs are run in turn, round after round
	Program string // e.g. "reference"
	// Reference marks the yardstick the other runs of the round are compared to.
	Reference bool
	Load      Load
	CPU       time.Duration // the program's user+system CPU during the load
	StubCPU   time.Duration // the stub's, during the same window
	// StubConns and StubClosed are the connections the stub accepted and
	// saw closed during the load: a pool growing opens, churn closes.
	StubConns, StubClosed int64
	// SteadyClosed is how many connections the stub saw closed during
	// SteadyWindow, the load without its first and last second.
	SteadyClosed int64
	SteadyWindow time.Duration
	// TimeWait is the count of sockets to or from the stub in TIME_WAIT at
	// the end of the load. It holds those closed in the last 60 s, so also
	// the pool of the program measured before.
	TimeWait int
	RSS      int64   // the program's resident set at the end of the load, bytes
	LoadAvg  float64 // the machine's one-minute load average at the end
}

// PerRequest is d divided over the requests of the run.
func (r Run) PerRequest(d time.Duration) time.Duration {
	if r.Load.Requests == 0 {
		return 0
	}
	return d / time.Duration(r.Load.Requests)
}

// perSecond is n over the load's duration.
func (r Run) perSecond(n int64) float64 { return float64(n) / r.Load.Elapsed.Seconds() }

// WriteTable writes runs as a Markdown table, each run with its ratios to
// the reference run of its round: throughput, p99 and own CPU per request.
func WriteTable(w io.Writer, runs []Run) error {
	ref := map[int]Run{}
	for _, r := range runs {
		if r.Reference {
			ref[r.Round] = r
		}
	}
	var b strings.Builder
	b.WriteString("| round | program | req/s | p50 | p99 | own CPU/req | stub CPU/req | stub conns opened/s | closed/s | closed/s steady | TIME_WAIT at end | RSS | errors | load avg | req/s ÷ ref | p99 ÷ ref | CPU/req ÷ ref |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range runs {
		stub := "–"
		if r.StubCPU > 0 || r.StubConns > 0 {
			stub = micros(r.PerRequest(r.StubCPU))
		}
		fmt.Fprintf(&b, "| %d | %s | %.0f | %s | %s | %s | %s | %.1f | %.1f | %s | %d | %.0f MB | %d | %.2f |",
			r.Round, r.Program, r.Load.Rate, millis(r.Load.P50), millis(r.Load.P99),
			micros(r.PerRequest(r.CPU)), stub, r.perSecond(r.StubConns), r.perSecond(r.StubClosed), steady(r), r.TimeWait,
			float64(r.RSS)/1e6, r.Load.Errors, r.LoadAvg)
		base, ok := ref[r.Round]
		if !ok || r.Reference {
			b.WriteString(" – | – | – |\n")
			continue
		}
		fmt.Fprintf(&b, " %s | %s | %s |\n",
			ratio(r.Load.Rate, base.Load.Rate),
			ratio(float64(r.Load.P99), float64(base.Load.P99)),
			ratio(float64(r.PerRequest(r.CPU)), float64(base.PerRequest(base.CPU))))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// steady is the rate of connections closed in the steady window.
func steady(r Run) string {
	if r.SteadyWindow <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f", float64(r.SteadyClosed)/r.SteadyWindow.Seconds())
}

func micros(d time.Duration) string {
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

func millis(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func ratio(a, b float64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

// WriteTargets writes, for each run of program, how it stands against the
// targets of issue 13, as ratios to the reference of its round: own CPU per
// request at most 1.5x, throughput at least 70 %, p99 at most 1.5x, and
// connections closed to the stub in the steady window below 0.1 % of the
// request rate. Figures to read, not a test: the machine may be noisy.
func WriteTargets(w io.Writer, runs []Run, program string) error {
	ref := map[int]Run{}
	for _, r := range runs {
		if r.Reference {
			ref[r.Round] = r
		}
	}
	var b strings.Builder
	for _, r := range runs {
		base, ok := ref[r.Round]
		if r.Program != program || !ok {
			continue
		}
		cpu := float64(r.PerRequest(r.CPU)) / float64(base.PerRequest(base.CPU))
		rate := r.Load.Rate / base.Load.Rate
		p99 := float64(r.Load.P99) / float64(base.Load.P99)
		churn := 0.0
		if r.SteadyWindow > 0 && r.Load.Rate > 0 {
			churn = float64(r.SteadyClosed) / r.SteadyWindow.Seconds() / r.Load.Rate
		}
		fmt.Fprintf(&b, "round %d, %s: CPU/req %.2fx (target ≤ 1.50x) %s; req/s %.0f %% (≥ 70 %%) %s; p99 %.2fx (≤ 1.50x) %s; closed/s %.3f %% of req/s (< 0.1 %%) %s\n",
			r.Round, program, cpu, mark(cpu <= 1.5), rate*100, mark(rate >= 0.7), p99, mark(p99 <= 1.5), churn*100, mark(churn < 0.001))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mark(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
