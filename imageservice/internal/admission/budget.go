package admission

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"math"
	"path"
	"strconv"
	"strings"
)

// MiB is 2^20 bytes.
const MiB = 1 << 20

// Headroom is the memory the budget leaves to everything but the jobs it
// admits: the runtime, goroutine stacks, the bundled images, connections and
// their buffers, tracing. An idle imageservice holds 10-15 MiB.
const Headroom = 48 * MiB

// DefaultBudget is the budget when the process has no memory limit at all.
const DefaultBudget = 512 * MiB

// Limits are the memory limits the process runs under; 0 means none.
type Limits struct {
	// Container is the hard limit of the process's cgroup (memory.max in
	// cgroup v2, memory.limit_in_bytes in v1): the kernel kills the process
	// above it.
	Container int64
	// GoMemLimit is the Go runtime's soft limit (GOMEMLIMIT,
	// runtime/debug.SetMemoryLimit): the collector works harder to stay below it.
	GoMemLimit int64
}

// Budget is the memory jobs may hold at once, and how it was derived:
//   - with GOMEMLIMIT set: the lower of GOMEMLIMIT and the container limit,
//     less Headroom. The collector reclaims the garbage of finished jobs
//     before the heap passes GOMEMLIMIT, so live memory is what counts;
//   - with a container limit only: half of (limit - Headroom), since without
//     a soft limit the heap may grow to twice its live size (GOGC=100)
//     before a collection;
//   - with neither: DefaultBudget.
func (l Limits) Budget() (int64, string) {
	switch {
	case l.GoMemLimit > 0:
		limit, from := l.GoMemLimit, "GOMEMLIMIT"
		if l.Container > 0 && l.Container < limit {
			limit, from = l.Container, "the container limit"
		}
		return max(limit-Headroom, 0), fmt.Sprintf("%s %d MiB less %d MiB headroom", from, limit/MiB, Headroom/MiB)
	case l.Container > 0:
		return max((l.Container-Headroom)/2, 0), fmt.Sprintf("half of the container limit %d MiB less %d MiB headroom (no GOMEMLIMIT)", l.Container/MiB, Headroom/MiB)
	default:
		return DefaultBudget, "default: no container limit, no GOMEMLIMIT"
	}
}

// unlimited is above any real limit: cgroup v1 reports "no limit" as a huge
// page-rounded number, and debug.SetMemoryLimit as math.MaxInt64.
const unlimited = math.MaxInt64 / 2

// ReadLimits reads the limits of this process: the container limit from the
// cgroup file system under root (the process's own cgroup from
// /proc/self/cgroup, else the root of the mount, which is the container's own
// cgroup in a container) and goMemLimit as debug.SetMemoryLimit(-1) reports it.
func ReadLimits(root fs.FS, goMemLimit int64) Limits {
	l := Limits{Container: containerLimit(root)}
	if goMemLimit > 0 && goMemLimit < unlimited {
		l.GoMemLimit = goMemLimit
	}
	return l
}

// containerLimit is the memory limit of the process's cgroup, v2 or v1; 0
// when there is none or it cannot be read.
func containerLimit(root fs.FS) int64 {
	var candidates []string
	if f, err := fs.ReadFile(root, "proc/self/cgroup"); err == nil {
		s := bufio.NewScanner(bytes.NewReader(f))
		for s.Scan() { // hierarchy-ID:controllers:path
			parts := strings.SplitN(s.Text(), ":", 3)
			if len(parts) != 3 {
				continue
			}
			dir := strings.TrimPrefix(path.Clean(parts[2]), "/")
			switch {
			case parts[0] == "0" && parts[1] == "":
				candidates = append(candidates, path.Join("sys/fs/cgroup", dir, "memory.max"))
			case hasController(parts[1], "memory"):
				candidates = append(candidates, path.Join("sys/fs/cgroup/memory", dir, "memory.limit_in_bytes"))
			}
		}
	}
	candidates = append(candidates, "sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes")
	for _, name := range candidates {
		b, err := fs.ReadFile(root, name)
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(b))
		if v == "max" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || n >= unlimited {
			return 0
		}
		return n
	}
	return 0
}

func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}
