package rolling

import (
	"sync"
	"time"
)

// Number tracks a numberBucket over a bounded number of
// time buckets. Currently the buckets are one second long and only the last 10 seconds are kept.
type Number struct {
	Buckets map[int64]*numberBucket
	Mutex   *sync.RWMutex

	pruned int64 // goblog: the second removeOldBuckets last ran in
}

type numberBucket struct {
	Value float64
}

// NewNumber initializes a RollingNumber struct.
func NewNumber() *Number {
	r := &Number{
		Buckets: make(map[int64]*numberBucket),
		Mutex:   &sync.RWMutex{},
	}
	return r
}

func (r *Number) getCurrentBucket(now int64) *numberBucket {
	var bucket *numberBucket
	var ok bool

	if bucket, ok = r.Buckets[now]; !ok {
		bucket = &numberBucket{}
		r.Buckets[now] = bucket
	}

	return bucket
}

// removeOldBuckets drops the buckets past the window, once a second.
// goblog: upstream walked every bucket on every update (and read the clock
// again for it); within a second there is nothing new to drop, the buckets
// being made for the current second only.
func (r *Number) removeOldBuckets(now int64) {
	if now == r.pruned {
		return
	}
	r.pruned = now

	for timestamp := range r.Buckets {
		// TODO: configurable rolling window
		if timestamp <= now-10 {
			delete(r.Buckets, timestamp)
		}
	}
}

// Increment increments the number in current timeBucket.
func (r *Number) Increment(i float64) {
	if i == 0 {
		return
	}
	r.IncrementAt(i, time.Now()) // goblog: one clock read per update
}

// IncrementAt is Increment at now. goblog: a caller updating several
// numbers for one event reads the clock once for all of them.
func (r *Number) IncrementAt(i float64, now time.Time) {
	if i == 0 {
		return
	}

	sec := now.Unix()
	r.Mutex.Lock()
	defer r.Mutex.Unlock()

	b := r.getCurrentBucket(sec)
	b.Value += i
	r.removeOldBuckets(sec)
}

// UpdateMax updates the maximum value in the current bucket.
func (r *Number) UpdateMax(n float64) {
	r.UpdateMaxAt(n, time.Now()) // goblog: one clock read per update
}

// UpdateMaxAt is UpdateMax at now (goblog: see IncrementAt).
func (r *Number) UpdateMaxAt(n float64, at time.Time) {
	now := at.Unix()
	r.Mutex.Lock()
	defer r.Mutex.Unlock()

	b := r.getCurrentBucket(now)
	if n > b.Value {
		b.Value = n
	}
	r.removeOldBuckets(now)
}

// Sum sums the values over the buckets in the last 10 seconds.
func (r *Number) Sum(now time.Time) float64 {
	sum := float64(0)

	r.Mutex.RLock()
	defer r.Mutex.RUnlock()

	for timestamp, bucket := range r.Buckets {
		// TODO: configurable rolling window
		if timestamp >= now.Unix()-10 {
			sum += bucket.Value
		}
	}

	return sum
}

// Max returns the maximum value seen in the last 10 seconds.
func (r *Number) Max(now time.Time) float64 {
	var max float64

	r.Mutex.RLock()
	defer r.Mutex.RUnlock()

	for timestamp, bucket := range r.Buckets {
		// TODO: configurable rolling window
		if timestamp >= now.Unix()-10 {
			if bucket.Value > max {
				max = bucket.Value
			}
		}
	}

	return max
}

func (r *Number) Avg(now time.Time) float64 {
	return r.Sum(now) / 10
}
