package overhead

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Load is what one wrk run reports (wrk --latency).
type Load struct {
	Requests int64         // completed requests ("N requests in 12.00s")
	Elapsed  time.Duration // the measured window ("… in 12.00s")
	Rate     float64       // requests per second ("Requests/sec:")
	P50, P99 time.Duration // from the latency distribution
	Errors   int64         // non-2xx/3xx answers plus socket errors
}

// ParseWrk reads the text wrk --latency prints. The request count, the
// elapsed time, the rate and the 50 % and 99 % latencies are required.
func ParseWrk(out string) (Load, error) {
	var (
		l    Load
		seen = map[string]bool{}
	)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return Load{}, fmt.Errorf("wrk: request count %q: %w", f[0], err)
			}
			d, err := parseWrkDuration(strings.TrimSuffix(f[3], ","))
			if err != nil {
				return Load{}, err
			}
			l.Requests, l.Elapsed = n, d
			seen["requests"] = true
		case len(f) == 2 && f[0] == "Requests/sec:":
			r, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return Load{}, fmt.Errorf("wrk: rate %q: %w", f[1], err)
			}
			l.Rate = r
			seen["rate"] = true
		case len(f) == 2 && (f[0] == "50%" || f[0] == "99%"):
			d, err := parseWrkDuration(f[1])
			if err != nil {
				return Load{}, err
			}
			if f[0] == "50%" {
				l.P50 = d
			} else {
				l.P99 = d
			}
			seen[f[0]] = true
		case len(f) == 5 && f[0] == "Non-2xx":
			n, err := strconv.ParseInt(f[4], 10, 64)
			if err != nil {
				return Load{}, fmt.Errorf("wrk: non-2xx count %q: %w", f[4], err)
			}
			l.Errors += n
		case len(f) >= 2 && f[0] == "Socket" && f[1] == "errors:":
			// "Socket errors: connect 0, read 0, write 0, timeout 0"
			for i := 3; i < len(f); i += 2 {
				n, err := strconv.ParseInt(strings.TrimSuffix(f[i], ","), 10, 64)
				if err != nil {
					return Load{}, fmt.Errorf("wrk: socket errors %q: %w", sc.Text(), err)
				}
				l.Errors += n
			}
		}
	}
	for _, k := range []string{"requests", "rate", "50%", "99%"} {
		if !seen[k] {
			return Load{}, fmt.Errorf("wrk: no %s in the output (was --latency given?)", k)
		}
	}
	if l.Elapsed <= 0 {
		return Load{}, errors.New("wrk: elapsed time is not positive")
	}
	return l, nil
}

// parseWrkDuration reads wrk's durations: a decimal number with the unit
// us, ms, s, m or h.
func parseWrkDuration(s string) (time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"m", time.Minute}, {"h", time.Hour}, {"s", time.Second}}
	for _, u := range units {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok || num == "" || strings.HasSuffix(num, "m") || strings.HasSuffix(num, "u") {
			continue
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v < 0 || v > float64(24*time.Hour/u.unit) {
			return 0, fmt.Errorf("wrk: duration %q", s)
		}
		return time.Duration(v * float64(u.unit)), nil
	}
	return 0, fmt.Errorf("wrk: duration %q has no unit", s)
}
