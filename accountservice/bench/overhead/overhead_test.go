package overhead

import (
	"strings"
	"testing"
	"time"
)

const wrkOutput = `Running 12s test @ http://127.0.0.1:41000/accounts/10001
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.81ms    1.92ms  31.54ms   85.39%
    Req/Sec     5.84k   542.95     6.96k    70.83%
  Latency Distribution
     50%    2.34ms
     75%    3.21ms
     90%    4.68ms
     99%   10.27ms
  139447 requests in 12.00s, 45.36MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:  11617.85
Transfer/sec:      3.78MB
`

func TestParseWrk(t *testing.T) {
	l, err := ParseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := Load{Requests: 139447, Elapsed: 12 * time.Second, Rate: 11617.85,
		P50: 2340 * time.Microsecond, P99: 10270 * time.Microsecond, Errors: 8}
	if l != want {
		t.Errorf("ParseWrk = %+v, want %+v", l, want)
	}
}

func TestParseWrkRejectsIncompleteOutput(t *testing.T) {
	for name, out := range map[string]string{
		"no --latency":  strings.ReplaceAll(wrkOutput, "99%", "98%"),
		"no rate":       strings.ReplaceAll(wrkOutput, "Requests/sec:", "Req:"),
		"empty":         "",
		"bad unit":      strings.ReplaceAll(wrkOutput, "2.34ms", "2.34xs"),
		"wrk's failure": "unable to connect to 127.0.0.1:1 Connection refused\n",
	} {
		if _, err := ParseWrk(out); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestParseWrkDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"870.00us": 870 * time.Microsecond,
		"2.34ms":   2340 * time.Microsecond,
		"1.50s":    1500 * time.Millisecond,
		"2.00m":    2 * time.Minute,
		"12.00s":   12 * time.Second,
	} {
		got, err := parseWrkDuration(in)
		if err != nil || got != want {
			t.Errorf("parseWrkDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func FuzzParseWrk(f *testing.F) {
	f.Add(wrkOutput)
	f.Add("     50%    1e308h\n")
	f.Fuzz(func(t *testing.T, out string) {
		l, err := ParseWrk(out)
		if err == nil && (l.Elapsed <= 0 || l.P50 < 0 || l.P99 < 0 || l.Requests < 0) {
			t.Errorf("accepted %+v", l)
		}
	})
}

func TestParseStat(t *testing.T) {
	// The command name holds a space and a parenthesis; utime 250, stime 50.
	stat := "4242 (my (prog)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 8 0 100 0 0\n"
	got, err := ParseStat([]byte(stat))
	if err != nil || got != 3*time.Second {
		t.Errorf("ParseStat = %v, %v; want 3s", got, err)
	}
	for _, bad := range []string{"", "4242 (x) S 1", "4242 (x) S 1 2 3 4 5 6 7 8 9 10 -1 5 0 0"} {
		if _, err := ParseStat([]byte(bad)); err == nil {
			t.Errorf("ParseStat(%q): no error", bad)
		}
	}
}

func TestCountTimeWait(t *testing.T) {
	// Port 7070 is 1B9E; two TIME_WAIT sockets touch it (one each way), one
	// ESTABLISHED does, one TIME_WAIT is elsewhere.
	table := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1B9E 0100007F:A001 06 00000000:00000000 03:00000D1F 00000000     0        0 0 3 0000000000000000
   1: 0100007F:A002 0100007F:1B9E 06 00000000:00000000 03:00000D1F 00000000     0        0 0 3 0000000000000000
   2: 0100007F:A003 0100007F:1B9E 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000
   3: 0100007F:A004 0100007F:1F90 06 00000000:00000000 03:00000D1F 00000000     0        0 0 3 0000000000000000
`
	n, err := CountTimeWait(strings.NewReader(table), 7070)
	if err != nil || n != 2 {
		t.Errorf("CountTimeWait = %d, %v; want 2", n, err)
	}
}

func TestWriteTableGivesRatiosToTheReferenceOfTheRound(t *testing.T) {
	load := func(rate float64, p99 time.Duration, requests int64) Load {
		return Load{Requests: requests, Elapsed: 10 * time.Second, Rate: rate, P50: time.Millisecond, P99: p99}
	}
	runs := []Run{
		{Round: 1, Program: "reference", Reference: true, Load: load(10000, 10*time.Millisecond, 100000), CPU: 9 * time.Second},
		{Round: 1, Program: "accountservice", Load: load(5000, 20*time.Millisecond, 50000), CPU: 9 * time.Second, StubConns: 650, StubClosed: 20,
			SteadyClosed: 3, SteadyWindow: 10 * time.Second},
	}
	var b strings.Builder
	if err := WriteTable(&b, runs); err != nil {
		t.Fatal(err)
	}
	row := strings.Split(strings.TrimSpace(b.String()), "\n")[3]
	for _, want := range []string{"| 180 µs |", "| 65.0 | 2.0 | 0.3 |", "| 0.50x | 2.00x | 2.00x |"} {
		if !strings.Contains(row, want) {
			t.Errorf("row %q lacks %q", row, want)
		}
	}
}

func TestWriteTargetsGivesTheMedianFromThreeRounds(t *testing.T) {
	load := func(rate float64, p99 time.Duration) Load {
		return Load{Requests: int64(rate) * 10, Elapsed: 10 * time.Second, Rate: rate, P50: time.Millisecond, P99: p99}
	}
	ref := func(round int) Run {
		return Run{Round: round, Program: "reference", Reference: true, Load: load(10000, 10*time.Millisecond), CPU: 10 * time.Second}
	}
	// Own CPU per request 1.2x, 2.0x, 1.4x the reference's; throughput 80, 50, 75 %.
	acc := func(round int, rate float64, cpu time.Duration) Run {
		return Run{Round: round, Program: "accountservice", Load: load(rate, 12*time.Millisecond), CPU: cpu, SteadyWindow: 10 * time.Second}
	}
	runs := []Run{ref(1), acc(1, 8000, 9600*time.Millisecond), ref(2), acc(2, 5000, 10*time.Second), ref(3), acc(3, 7500, 10500*time.Millisecond)}

	for _, tc := range []struct {
		rounds int
		want   string
	}{
		{2, ""},
		{3, "median of 3 rounds, accountservice: CPU/req 1.40x (target ≤ 1.50x) met; req/s 75 % (≥ 70 %) met; p99 1.20x (≤ 1.50x) met; closed/s 0.000 % of req/s (< 0.1 %) met\n"},
	} {
		var b strings.Builder
		if err := WriteTargets(&b, runs[:2*tc.rounds], "accountservice"); err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(b.String(), "\n")
		if got := lines[tc.rounds]; got != tc.want {
			t.Errorf("%d rounds: after the rounds' lines %q, want %q", tc.rounds, got, tc.want)
		}
		if !strings.HasPrefix(lines[1], "round 2, accountservice: CPU/req 2.00x (target ≤ 1.50x) MISSED; req/s 50 % (≥ 70 %) MISSED") {
			t.Errorf("round 2's line %q", lines[1])
		}
	}
}
