// Command overhead is the driver of make bench-overhead: it starts the
// downstream stub, then runs the bare endpoint, the reference aggregator and
// accountservice (tracing off, then spans reported to the stub) one after the
// other under the same wrk load, for several rounds, and prints one table with
// each program's ratios to the reference of its round. See
// accountservice/README.md, "What the integration costs".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/goblog/accountservice/bench/overhead"
)

// accountID is the account every request reads: not the VIP one (10000), so
// no VIP notification is attempted (the benchmark runs without a broker).
const accountID = "10001"

// Bounds of the waits on the programs.
const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 15 * time.Second
)

type options struct {
	bin         string // directory of the stub, bare, reference and accountservice binaries
	configRepo  string
	work        string
	rounds      int
	threads     int
	connections int
	duration    time.Duration
	warmup      time.Duration
	profileDir  string
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin/overhead", "directory holding the stub, bare, reference and accountservice binaries")
	flag.StringVar(&o.configRepo, "configRepo", "support/config-repo", "config repository whose application.yml and accountservice.yml accountservice runs with")
	flag.StringVar(&o.work, "work", "", "directory for the logs, configuration and database (default: a new temporary one)")
	flag.IntVar(&o.rounds, "rounds", 2, "rounds: every program is measured once a round, in turn")
	flag.IntVar(&o.threads, "threads", 2, "wrk -t")
	flag.IntVar(&o.connections, "connections", 32, "wrk -c")
	flag.DurationVar(&o.duration, "duration", 12*time.Second, "wrk -d of each measured load")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each measured one")
	flag.StringVar(&o.profileDir, "profileDir", "", "when set, write CPU, allocation, heap and goroutine profiles of accountservice (spans reported, last round) here")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "overhead:", err)
		os.Exit(1)
	}
}

// program is one contender: how to start it for a stub on stubURL.
type program struct {
	name      string
	reference bool
	start     func(stubURL string, profiled bool) (args []string, port int, pprofPort int, err error)
	binary    string
}

func run(ctx context.Context, o options) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return fmt.Errorf("wrk is not installed (Debian: apt-get install -y wrk): %w", err)
	}
	if o.work == "" {
		dir, err := os.MkdirTemp("", "bench-overhead-")
		if err != nil {
			return fmt.Errorf("creating the work directory: %w", err)
		}
		defer os.RemoveAll(dir)
		o.work = dir
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return fmt.Errorf("creating the profile directory: %w", err)
		}
	}

	stubPort, err := freePort()
	if err != nil {
		return err
	}
	stubURL := "http://127.0.0.1:" + strconv.Itoa(stubPort)
	stub, err := startProcess(o, "stub", filepath.Join(o.bin, "stub"), "-addr", "127.0.0.1:"+strconv.Itoa(stubPort))
	if err != nil {
		return err
	}
	defer stub.stop()
	if err := waitReady(ctx, stubURL+"/stats"); err != nil {
		return fmt.Errorf("stub: %w", err)
	}

	programs := contenders(o)
	fmt.Printf("wrk -t%d -c%d -d%s --latency …/accounts/%s, %d rounds, %s warm-up each; %d CPUs\n",
		o.threads, o.connections, o.duration, accountID, o.rounds, o.warmup, runtime.NumCPU())
	var runs []overhead.Run
	for round := 1; round <= o.rounds; round++ {
		for i, p := range programs {
			profiled := o.profileDir != "" && round == o.rounds && i == len(programs)-1
			r, err := measure(ctx, o, p, stub, stubURL, stubPort, profiled)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", round, p.name, err)
			}
			r.Round = round
			runs = append(runs, r)
			fmt.Printf("  round %d %-34s %8.0f req/s  p99 %6.2f ms\n", round, p.name, r.Load.Rate, float64(r.Load.P99)/float64(time.Millisecond))
		}
	}
	fmt.Println()
	if err := overhead.WriteTable(os.Stdout, runs); err != nil {
		return err
	}
	fmt.Println()
	return overhead.WriteTargets(os.Stdout, runs, programs[len(programs)-1].name)
}

// contenders are the programs of a round, in the order they run.
func contenders(o options) []program {
	simple := func(extra func(stubURL string) []string) func(string, bool) ([]string, int, int, error) {
		return func(stubURL string, _ bool) ([]string, int, int, error) {
			port, err := freePort()
			if err != nil {
				return nil, 0, 0, err
			}
			args := []string{"-addr", "127.0.0.1:" + strconv.Itoa(port)}
			if extra != nil {
				args = append(args, extra(stubURL)...)
			}
			return args, port, 0, nil
		}
	}
	account := func(name string, spans bool) func(string, bool) ([]string, int, int, error) {
		return func(stubURL string, profiled bool) ([]string, int, int, error) {
			return accountArgs(o, name, stubURL, spans, profiled)
		}
	}
	return []program{
		{name: "bare net/http endpoint", binary: "bare", start: simple(nil)},
		{name: "reference aggregator", binary: "reference", reference: true, start: simple(func(stubURL string) []string {
			return []string{"-quotes", stubURL + "/api/quote?strength=4", "-images", stubURL + "/accounts/"}
		})},
		{name: "accountservice, tracing off", binary: "accountservice", start: account("notrace", false)},
		{name: "accountservice, spans reported", binary: "accountservice", start: account("spans", true)},
	}
}

// accountArgs writes a configuration repository for one accountservice run
// (the repository's application.yml and accountservice.yml, and a "bench"
// profile pointing the downstreams at the stub, the database into the work
// directory, no broker) and returns the command line.
func accountArgs(o options, name, stubURL string, spans, profiled bool) ([]string, int, int, error) {
	dir := filepath.Join(o.work, "config-"+name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, 0, fmt.Errorf("creating %s: %w", dir, err)
	}
	for _, f := range []string{"application.yml", "accountservice.yml"} {
		b, err := os.ReadFile(filepath.Join(o.configRepo, f))
		if err != nil {
			return nil, 0, 0, fmt.Errorf("reading the config repository: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			return nil, 0, 0, fmt.Errorf("writing %s: %w", f, err)
		}
	}
	ports := make([]int, 3)
	for i := range ports {
		p, err := freePort()
		if err != nil {
			return nil, 0, 0, err
		}
		ports[i] = p
	}
	profile := fmt.Sprintf(`# Written by the overhead benchmark: downstreams on the stub, no broker.
server_port: %d
hystrix_stream_port: %d
bolt_path: %s
quotes_service_url: %s/api/quote?strength=4
imageservice_url: %s/accounts/
`, ports[0], ports[1], filepath.Join(o.work, "accounts-"+name+".db"), stubURL, stubURL)
	if spans {
		profile += "zipkin_server_url: " + stubURL + "\n"
	}
	pprofPort := 0
	if profiled {
		pprofPort = ports[2]
		profile += "pprof_port: " + strconv.Itoa(pprofPort) + "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "accountservice-bench.yml"), []byte(profile), 0o644); err != nil {
		return nil, 0, 0, fmt.Errorf("writing the bench profile: %w", err)
	}
	return []string{"-profile", "bench", "-configDir", dir}, ports[0], pprofPort, nil
}

// measure starts p, warms it up, measures one load and stops it.
func measure(ctx context.Context, o options, p program, stub *process, stubURL string, stubPort int, profiled bool) (overhead.Run, error) {
	args, port, pprofPort, err := p.start(stubURL, profiled)
	if err != nil {
		return overhead.Run{}, err
	}
	proc, err := startProcess(o, p.binary, filepath.Join(o.bin, p.binary), args...)
	if err != nil {
		return overhead.Run{}, err
	}
	defer proc.stop()
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/accounts/" + accountID
	if err := waitReady(ctx, url); err != nil {
		return overhead.Run{}, err
	}
	if o.warmup > 0 {
		if _, err := wrk(ctx, o, o.warmup, url); err != nil {
			return overhead.Run{}, fmt.Errorf("warm-up: %w", err)
		}
	}

	before, err := snapshot(proc.pid(), stub.pid(), stubURL, stubPort)
	if err != nil {
		return overhead.Run{}, err
	}
	var profiles chan error
	if pprofPort != 0 {
		// The allocations so far, to subtract: go tool pprof -diff_base.
		if err := saveProfile(ctx, o, pprofPort, "allocs", "allocs-before.pprof"); err != nil {
			return overhead.Run{}, err
		}
		profiles = make(chan error, 1)
		go func() { profiles <- cpuProfile(ctx, o, pprofPort) }()
	}
	steady := make(chan steadyConns, 1)
	go func() { steady <- sampleSteady(ctx, o, stubURL) }()
	out, err := wrk(ctx, o, o.duration, url)
	if err != nil {
		return overhead.Run{}, err
	}
	st := <-steady
	if st.err != nil {
		return overhead.Run{}, st.err
	}
	after, err := snapshot(proc.pid(), stub.pid(), stubURL, stubPort)
	if err != nil {
		return overhead.Run{}, err
	}
	load, err := overhead.ParseWrk(out)
	if err != nil {
		return overhead.Run{}, err
	}
	rss, err := overhead.RSS(proc.pid())
	if err != nil {
		return overhead.Run{}, err
	}
	loadAvg, err := overhead.LoadAverage()
	if err != nil {
		return overhead.Run{}, err
	}
	if profiles != nil {
		if err := <-profiles; err != nil {
			return overhead.Run{}, err
		}
		if err := afterProfiles(ctx, o, pprofPort); err != nil {
			return overhead.Run{}, err
		}
	}
	return overhead.Run{
		Program:      p.name,
		Reference:    p.reference,
		Load:         load,
		CPU:          after.cpu - before.cpu,
		StubCPU:      after.stubCPU - before.stubCPU,
		StubConns:    after.stubConns - before.stubConns,
		StubClosed:   after.stubClosed - before.stubClosed,
		TimeWait:     after.timeWait,
		SteadyClosed: st.closed,
		SteadyWindow: st.window,
		RSS:          rss,
		LoadAvg:      loadAvg,
	}, nil
}

// counters is what the driver reads before and after a load.
type counters struct {
	cpu, stubCPU time.Duration
	stubConns    int64
	stubClosed   int64
	timeWait     int
}

// steadyConns is what the stub saw closed in the steady part of a load.
type steadyConns struct {
	closed int64
	window time.Duration
	err    error
}

// sampleSteady reads the stub's count of closed connections one second
// into the load and one second before its end. Outside that window are
// the start (pools filling) and the end, where wrk closes its connections
// with requests in flight: their downstream calls are cancelled, and a
// cancelled call closes its connection. That is the service doing right by
// a client gone, not churn.
func sampleSteady(ctx context.Context, o options, stubURL string) steadyConns {
	const margin = time.Second
	window := o.duration - 2*margin
	if window <= 0 {
		return steadyConns{}
	}
	read := func() (int64, error) {
		var stats struct {
			Closed int64 `json:"closed"`
		}
		err := getJSON(stubURL+"/stats", &stats)
		return stats.Closed, err
	}
	wait := func(d time.Duration) error {
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := wait(margin); err != nil {
		return steadyConns{err: err}
	}
	first, err := read()
	if err != nil {
		return steadyConns{err: fmt.Errorf("reading the stub's counters: %w", err)}
	}
	if err := wait(window); err != nil {
		return steadyConns{err: err}
	}
	last, err := read()
	if err != nil {
		return steadyConns{err: fmt.Errorf("reading the stub's counters: %w", err)}
	}
	return steadyConns{closed: last - first, window: window}
}

func snapshot(pid, stubPID int, stubURL string, stubPort int) (counters, error) {
	var c counters
	var err error
	if c.cpu, err = overhead.CPUTime(pid); err != nil {
		return c, err
	}
	if c.stubCPU, err = overhead.CPUTime(stubPID); err != nil {
		return c, err
	}
	if c.timeWait, err = overhead.TimeWait(stubPort); err != nil {
		return c, err
	}
	var stats struct {
		Connections int64 `json:"connections"`
		Closed      int64 `json:"closed"`
	}
	if err := getJSON(stubURL+"/stats", &stats); err != nil {
		return c, fmt.Errorf("reading the stub's counters: %w", err)
	}
	c.stubConns, c.stubClosed = stats.Connections, stats.Closed
	return c, nil
}

func wrk(ctx context.Context, o options, d time.Duration, url string) (string, error) {
	cmd := exec.CommandContext(ctx, "wrk",
		"-t"+strconv.Itoa(o.threads), "-c"+strconv.Itoa(o.connections),
		"-d"+strconv.Itoa(int(d.Round(time.Second).Seconds()))+"s", "--latency", url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("wrk: %w: %s", err, out)
	}
	return string(out), nil
}

// cpuProfile writes a CPU profile of most of the measured load.
func cpuProfile(ctx context.Context, o options, port int) error {
	secs := max(int((o.duration - 2*time.Second).Seconds()), 1)
	return saveProfile(ctx, o, port, "profile?seconds="+strconv.Itoa(secs), "cpu.pprof")
}

// afterProfiles writes the allocation, heap and goroutine profiles taken
// right after the load.
func afterProfiles(ctx context.Context, o options, port int) error {
	for _, p := range []struct{ path, file string }{
		{"allocs", "allocs.pprof"}, {"heap?gc=1", "heap.pprof"}, {"goroutine?debug=1", "goroutines.txt"},
	} {
		if err := saveProfile(ctx, o, port, p.path, p.file); err != nil {
			return err
		}
	}
	return nil
}

func saveProfile(ctx context.Context, o options, port int, path, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+strconv.Itoa(port)+"/debug/pprof/"+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: status %d", path, resp.StatusCode)
	}
	f, err := os.Create(filepath.Join(o.profileDir, file))
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("profile %s: %w", path, err)
	}
	return f.Close()
}

// process is a program the driver started, its output in the work directory.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan error
}

func startProcess(o options, name, path string, args ...string) (*process, error) {
	logFile, err := os.OpenFile(filepath.Join(o.work, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the log of %s: %w", name, err)
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan error, 1)}
	go func() {
		p.done <- cmd.Wait()
		logFile.Close()
	}()
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM and waits; after stopTimeout it kills.
func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		fmt.Fprintf(os.Stderr, "overhead: %s did not stop within %s, killing it\n", p.name, stopTimeout)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// waitReady polls url until it answers 200, within readyTimeout.
func waitReady(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready within %s: %w", url, readyTimeout, errors.Join(last, ctx.Err()))
		case <-tick.C:
		}
	}
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
