package admission

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

func TestGate(t *testing.T) {
	Convey("Given a gate over 100 bytes", t, func() {
		gate := NewGate(100, time.Hour)
		ctx := context.Background()

		Convey("reservations that fit are granted at once", func() {
			a, err := gate.Reserve(ctx, 60)
			So(err, ShouldBeNil)
			b, err := gate.Reserve(ctx, 40)
			So(err, ShouldBeNil)
			So(a.Bytes()+b.Bytes(), ShouldEqual, 100)
		})
		Convey("a job larger than the budget is refused at once, never queued", func() {
			_, err := gate.Reserve(ctx, 101)
			So(errors.Is(err, ErrOverBudget), ShouldBeTrue)
		})
		Convey("a job that does not fit within the wait is busy", func() {
			short := NewGate(100, time.Millisecond)
			held, err := short.Reserve(ctx, 80)
			So(err, ShouldBeNil)
			_, err = short.Reserve(ctx, 30)
			So(errors.Is(err, ErrBusy), ShouldBeTrue)
			held.Release()
			r, err := short.Reserve(ctx, 30)
			So(err, ShouldBeNil)
			So(r.Bytes(), ShouldEqual, 30)
		})
		Convey("free memory is granted at once even when the wait is over before the gate looks", func() {
			// A wait of 1 ns has passed by the time the semaphore is asked,
			// as a short wait can on a loaded machine.
			instant := NewGate(100, time.Nanosecond)
			for range 100 {
				r, err := instant.Reserve(ctx, 60)
				So(err, ShouldBeNil)
				r.Release()
			}
			held, err := instant.Reserve(ctx, 60)
			So(err, ShouldBeNil)
			_, err = instant.Reserve(ctx, 60)
			So(errors.Is(err, ErrBusy), ShouldBeTrue)
			held.Release()
		})
		Convey("a waiting job starts when another shrinks its reservation", func() {
			held, err := gate.Reserve(ctx, 90)
			So(err, ShouldBeNil)
			granted := make(chan error, 1)
			go func() {
				_, err := gate.Reserve(ctx, 50)
				granted <- err
			}()
			held.Shrink(50)
			So(<-granted, ShouldBeNil)
			So(held.Bytes(), ShouldEqual, 50)
			held.Shrink(70) // growing is not shrinking: nothing happens
			So(held.Bytes(), ShouldEqual, 50)
		})
		Convey("a reservation grows while there is room, and never waits for what it holds itself", func() {
			r, err := gate.Reserve(ctx, 30)
			So(err, ShouldBeNil)
			So(r.Grow(ctx, 70), ShouldBeNil)
			So(r.Bytes(), ShouldEqual, 100)
			r.Shrink(30)
			So(errors.Is(r.Grow(ctx, 71), ErrOverBudget), ShouldBeTrue)
			So(r.Bytes(), ShouldEqual, 30)
		})
		Convey("a client that goes away stops the wait with its context's error", func() {
			_, err := gate.Reserve(ctx, 100)
			So(err, ShouldBeNil)
			gone, cancel := context.WithCancel(ctx)
			cancel()
			_, err = gate.Reserve(gone, 1)
			So(err, ShouldEqual, context.Canceled)
		})
		Convey("releasing twice gives back the memory once", func() {
			short := NewGate(100, time.Millisecond)
			r, _ := short.Reserve(ctx, 100)
			r.Release()
			r.Release()
			_, err := short.Reserve(ctx, 100)
			So(err, ShouldBeNil)
			_, err = short.Reserve(ctx, 1)
			So(errors.Is(err, ErrBusy), ShouldBeTrue)
		})
	})

	Convey("Given 64 concurrent jobs of mixed sizes on a gate over 1000 bytes", t, func() {
		gate := NewGate(1000, time.Hour)
		var held, peak atomic.Int64
		var wg sync.WaitGroup
		for i := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := int64(100 + 150*(i%6)) // 100 to 850
				r, err := gate.Reserve(context.Background(), n)
				if err != nil {
					t.Errorf("job %d: %v", i, err)
					return
				}
				now := held.Add(n)
				for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
				}
				// A job gives memory back to the gate only after it stopped
				// holding it, so count it freed first: the other way round, a
				// job admitted in between is counted beside memory already gone.
				held.Add(-(n - n/2))
				r.Shrink(n / 2) // half done
				held.Add(-(n / 2))
				r.Release()
			}()
		}
		wg.Wait()
		Convey("every job ran and the memory held never passed the budget", func() {
			So(peak.Load(), ShouldBeBetweenOrEqual, 850, 1000)
			So(held.Load(), ShouldEqual, 0)
		})
	})
}

func TestBudget(t *testing.T) {
	Convey("Given the limits a process runs under", t, func() {
		for _, c := range []struct {
			name   string
			limits Limits
			want   int64
		}{
			{"the stack: GOMEMLIMIT 300 MiB under a 384 MiB container", Limits{Container: 384 * MiB, GoMemLimit: 300 * MiB}, 300*MiB - Headroom},
			{"GOMEMLIMIT above the container limit: the container wins", Limits{Container: 256 * MiB, GoMemLimit: 1024 * MiB}, 256*MiB - Headroom},
			{"GOMEMLIMIT only", Limits{GoMemLimit: 200 * MiB}, 200*MiB - Headroom},
			{"a container limit only: half, for GOGC=100", Limits{Container: 384 * MiB}, (384*MiB - Headroom) / 2},
			{"no limit at all", Limits{}, DefaultBudget},
			{"a limit below the headroom", Limits{GoMemLimit: 32 * MiB}, 0},
		} {
			got, why := c.limits.Budget()
			So(fmt.Sprint(c.name, ": ", got/MiB), ShouldEqual, fmt.Sprint(c.name, ": ", c.want/MiB))
			So(why, ShouldNotBeBlank)
		}
	})
	Convey("Given cgroup file systems", t, func() {
		for _, c := range []struct {
			name string
			fs   fstest.MapFS
			want int64
		}{
			{"cgroup v2 in a container", fstest.MapFS{
				"proc/self/cgroup":         {Data: []byte("0::/\n")},
				"sys/fs/cgroup/memory.max": {Data: []byte("402653184\n")},
			}, 402653184},
			{"cgroup v2 on a host, in a sub-group", fstest.MapFS{
				"proc/self/cgroup": {Data: []byte("0::/system.slice/img.scope\n")},
				"sys/fs/cgroup/system.slice/img.scope/memory.max": {Data: []byte("1048576\n")},
				"sys/fs/cgroup/memory.max":                        {Data: []byte("max\n")},
			}, 1048576},
			{"cgroup v2 without a limit", fstest.MapFS{
				"proc/self/cgroup":         {Data: []byte("0::/\n")},
				"sys/fs/cgroup/memory.max": {Data: []byte("max\n")},
			}, 0},
			{"cgroup v1, the group's own file", fstest.MapFS{
				"proc/self/cgroup": {Data: []byte("5:cpu,cpuacct:/\n4:memory:/docker/abc\n0::/\n")},
				"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": {Data: []byte("402653184\n")},
			}, 402653184},
			{"cgroup v1 in a container: the mount root is the container's group", fstest.MapFS{
				"proc/self/cgroup":                           {Data: []byte("4:memory:/docker/abc\n")},
				"sys/fs/cgroup/memory/memory.limit_in_bytes": {Data: []byte("402653184\n")},
			}, 402653184},
			{"cgroup v1 without a limit", fstest.MapFS{
				"proc/self/cgroup":                           {Data: []byte("4:memory:/\n")},
				"sys/fs/cgroup/memory/memory.limit_in_bytes": {Data: []byte("9223372036854771712\n")},
			}, 0},
			{"no cgroup file system", fstest.MapFS{}, 0},
			{"garbage", fstest.MapFS{"sys/fs/cgroup/memory.max": {Data: []byte("lots")}}, 0},
		} {
			So(fmt.Sprint(c.name, ": ", ReadLimits(c.fs, math.MaxInt64)), ShouldEqual, fmt.Sprint(c.name, ": ", Limits{Container: c.want}))
		}
		So(ReadLimits(fstest.MapFS{}, 300*MiB), ShouldResemble, Limits{GoMemLimit: 300 * MiB})
	})
}
