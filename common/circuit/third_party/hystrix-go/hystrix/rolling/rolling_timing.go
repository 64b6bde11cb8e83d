package rolling

import (
	"math"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// SamplesPerBucket bounds the Durations a bucket (one second) keeps: past it,
// a bucket holds a uniform random sample of its second's Durations (reservoir
// sampling, Vitter's algorithm R). 60 buckets of 100 are 6000 samples a
// window, ten times the 600 of Netflix Hystrix's rolling percentiles
// (metrics.rollingPercentile: 6 buckets of 100). Mean and the 0th and 100th
// percentiles stay exact: a bucket keeps its count, sum, min and max.
//
// goblog: upstream kept every Duration of the last 60 s, 16 bytes a call for
// the two timings of a circuit (about 10 MB at 5k calls/s), and freed them
// only on the circuit's next call, so a service kept that memory for as long
// as it stayed idle after a load.
const SamplesPerBucket = 100

// Timing maintains time Durations for each time bucket.
// The Durations are kept in an array to allow for a variety of
// statistics to be calculated from the source data.
type Timing struct {
	Buckets map[int64]*timingBucket
	Mutex   *sync.RWMutex

	CachedSortedDurations []time.Duration
	LastCachedTime        int64

	pruned int64 // goblog: the second removeOldBuckets last ran in
}

type timingBucket struct {
	Durations []time.Duration // at most SamplesPerBucket

	count    int64 // Durations added, sampled or not
	sum      time.Duration
	min, max time.Duration
}

// add counts d and keeps it in the sample with probability
// SamplesPerBucket/count.
func (b *timingBucket) add(d time.Duration) {
	b.count++
	b.sum += d
	if b.count == 1 || d < b.min {
		b.min = d
	}
	if b.count == 1 || d > b.max {
		b.max = d
	}
	if len(b.Durations) < SamplesPerBucket {
		b.Durations = append(b.Durations, d)
		return
	}
	if i := rand.Int64N(b.count); i < SamplesPerBucket {
		b.Durations[i] = d
	}
}

// NewTiming creates a RollingTiming struct.
func NewTiming() *Timing {
	r := &Timing{
		Buckets: make(map[int64]*timingBucket),
		Mutex:   &sync.RWMutex{},
	}
	return r
}

type byDuration []time.Duration

func (c byDuration) Len() int           { return len(c) }
func (c byDuration) Swap(i, j int)      { c[i], c[j] = c[j], c[i] }
func (c byDuration) Less(i, j int) bool { return c[i] < c[j] }

// SortedDurations returns an array of time.Duration sorted from shortest
// to longest that have occurred in the last 60 seconds.
func (r *Timing) SortedDurations() []time.Duration {
	r.Mutex.RLock()
	t := r.LastCachedTime
	r.Mutex.RUnlock()

	if t+time.Duration(1*time.Second).Nanoseconds() > time.Now().UnixNano() {
		// don't recalculate if current cache is still fresh
		return r.CachedSortedDurations
	}

	var durations byDuration
	now := time.Now()

	r.Mutex.Lock()
	defer r.Mutex.Unlock()

	r.removeOldBuckets(now.Unix()) // goblog: a stream reader frees an idle circuit's old seconds
	for timestamp, b := range r.Buckets {
		// TODO: configurable rolling window
		if timestamp >= now.Unix()-60 {
			for _, d := range b.Durations {
				durations = append(durations, d)
			}
		}
	}

	sort.Sort(durations)

	r.CachedSortedDurations = durations
	r.LastCachedTime = time.Now().UnixNano()

	return r.CachedSortedDurations
}

// removeOldBuckets drops the buckets past the window.
func (r *Timing) removeOldBuckets(now int64) {
	r.pruned = now

	for timestamp := range r.Buckets {
		// TODO: configurable rolling window
		if timestamp <= now-60 {
			delete(r.Buckets, timestamp)
		}
	}
}

// Add appends the time.Duration given to the current time bucket.
// goblog: the bucket is found and made under the one lock (upstream looked it
// up under a read lock and made it under the write lock, so two Adds at the
// start of a second could each make one and lose the other's count), with one
// clock read.
func (r *Timing) Add(duration time.Duration) {
	r.AddAt(duration, time.Now())
}

// AddAt is Add at now. goblog: a caller updating several numbers and
// timings for one event reads the clock once for all of them.
func (r *Timing) AddAt(duration time.Duration, at time.Time) {
	now := at.Unix()
	r.Mutex.Lock()
	defer r.Mutex.Unlock()

	b, ok := r.Buckets[now]
	if !ok {
		b = &timingBucket{}
		r.Buckets[now] = b
	}
	b.add(duration)
	// goblog: upstream walked every bucket (up to 60) on every Add; within a
	// second there is nothing new to drop, buckets being made for the current
	// second only.
	if now != r.pruned {
		r.removeOldBuckets(now)
	}
}

// Percentile computes the percentile given with a linear interpolation.
func (r *Timing) Percentile(p float64) uint32 {
	// goblog: the extremes are exact, not sampled.
	if p <= 0 || p >= 100 {
		_, _, lo, hi := r.window()
		if p <= 0 {
			return uint32(lo.Nanoseconds() / 1000000)
		}
		return uint32(hi.Nanoseconds() / 1000000)
	}
	sortedDurations := r.SortedDurations()
	length := len(sortedDurations)
	if length <= 0 {
		return 0
	}

	pos := r.ordinal(len(sortedDurations), p) - 1
	return uint32(sortedDurations[pos].Nanoseconds() / 1000000)
}

func (r *Timing) ordinal(length int, percentile float64) int64 {
	if percentile == 0 && length > 0 {
		return 1
	}

	return int64(math.Ceil((percentile / float64(100)) * float64(length)))
}

// Mean computes the average timing in the last 60 seconds.
func (r *Timing) Mean() uint32 {
	// goblog: exact, from every bucket's count and sum rather than the sample.
	count, sum, _, _ := r.window()
	if count == 0 {
		return 0
	}
	return uint32(sum.Nanoseconds()/count) / 1000000
}

// window returns the count, sum, min and max of the Durations added in the
// last 60 seconds (zeros when there are none).
func (r *Timing) window() (count int64, sum, lo, hi time.Duration) {
	now := time.Now().Unix()
	r.Mutex.RLock()
	defer r.Mutex.RUnlock()
	for timestamp, b := range r.Buckets {
		if timestamp < now-60 || b.count == 0 {
			continue
		}
		if count == 0 || b.min < lo {
			lo = b.min
		}
		if count == 0 || b.max > hi {
			hi = b.max
		}
		count += b.count
		sum += b.sum
	}
	return count, sum, lo, hi
}
