// Package overhead measures what accountservice's integration (circuit
// breakers, tracing, logging, the store) costs per request against a
// hand-written aggregator doing the same job: the parsers of what wrk and
// Linux's /proc report, and the table make bench-overhead prints. The programs
// it measures are in cmd/: stub (the downstreams and a Zipkin sink), bare (a
// net/http JSON endpoint), reference (the yardstick aggregator), and overhead
// (the driver).
package overhead

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// ClockTick is the unit of utime and stime in /proc/<pid>/stat: USER_HZ,
// 100 per second on every Linux architecture Go supports (proc(5)).
const ClockTick = 10 * time.Millisecond

// CPUTime is the user plus system CPU time process pid has used, from
// /proc/<pid>/stat (fields 14 utime and 15 stime, proc(5)).
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading CPU time of %d: %w", pid, err)
	}
	return ParseStat(b)
}

// ParseStat reads utime+stime from the contents of /proc/<pid>/stat. The
// command name (field 2) is in parentheses and may hold spaces and
// parentheses, so the fields are counted from the last ')'.
func ParseStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("parsing /proc stat: no command name")
	}
	// After ')': field 3 (state) is the first, so utime (14) is index 11.
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("parsing /proc stat: %d fields after the command name, want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("parsing /proc stat: CPU ticks %q", s)
		}
		ticks += n
	}
	return time.Duration(ticks) * ClockTick, nil
}

// RSS is the resident set size of process pid in bytes (VmRSS of
// /proc/<pid>/status).
func RSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("reading RSS of %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parsing VmRSS %q: %w", rest, err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// LoadAverage is the one-minute load average, from /proc/loadavg.
func LoadAverage() (float64, error) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, fmt.Errorf("reading load average: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("empty /proc/loadavg")
	}
	return strconv.ParseFloat(f[0], 64)
}

// TCP states of /proc/net/tcp (include/net/tcp_states.h).
const tcpTimeWait = "06"

// TimeWait counts the TCP sockets in TIME_WAIT with port as their local or
// remote port, over /proc/net/tcp and /proc/net/tcp6. A socket stays in
// TIME_WAIT 60 s after the side that closed first closed it, so over a
// shorter run the growth of the count is the connections closed.
func TimeWait(port int) (int, error) {
	total := 0
	for _, path := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(path)
		if os.IsNotExist(err) {
			continue // no IPv6
		}
		if err != nil {
			return 0, fmt.Errorf("reading sockets: %w", err)
		}
		n, err := CountTimeWait(f, port)
		f.Close()
		if err != nil {
			return 0, fmt.Errorf("reading %s: %w", path, err)
		}
		total += n
	}
	return total, nil
}

// CountTimeWait counts the sockets of a /proc/net/tcp table in TIME_WAIT
// whose local or remote port is port. Lines are
// "sl local_address rem_address st …", addresses as HEXIP:HEXPORT.
func CountTimeWait(r io.Reader, port int) (int, error) {
	sc := bufio.NewScanner(r)
	n := 0
	first := true
	for sc.Scan() {
		if first { // the header
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 4 || f[3] != tcpTimeWait {
			continue
		}
		for _, addr := range f[1:3] {
			_, hexPort, ok := strings.Cut(addr, ":")
			if !ok {
				return 0, fmt.Errorf("address %q has no port", addr)
			}
			p, err := strconv.ParseUint(hexPort, 16, 16)
			if err != nil {
				return 0, fmt.Errorf("address %q: %w", addr, err)
			}
			if int(p) == port {
				n++
				break
			}
		}
	}
	return n, sc.Err()
}
