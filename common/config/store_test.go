package config

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"
)

// fakeLoader fails its first failures calls, then serves sources whose
// "version" key counts the successful loads.
type fakeLoader struct {
	mu       sync.Mutex
	failures int
	failWith error
	calls    int
	extra    map[string]any
}

func (f *fakeLoader) Load(ctx context.Context) ([]PropertySource, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.calls <= f.failures {
		return nil, f.failWith
	}
	src := map[string]any{"version": f.calls - f.failures}
	for k, v := range f.extra {
		src[k] = v
	}
	return []PropertySource{{Name: "fake", Source: src}}, nil
}

func (f *fakeLoader) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func quietLogger() (*logrus.Logger, *logtest.Hook) {
	log, hook := logtest.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	return log, hook
}

func TestStore(t *testing.T) {
	Convey("Given a store over a loader", t, func() {
		log, hook := quietLogger()
		loader := &fakeLoader{}
		store := NewStore(loader, log)
		ctx := context.Background()

		Convey("before any load Current is an empty snapshot, never nil", func() {
			So(store.Current(), ShouldNotBeNil)
			So(store.Current().Keys(), ShouldBeEmpty)
		})

		Convey("Reload swaps the snapshot and calls every listener with old and new", func() {
			var calls []string
			store.OnChange(func(old, new *Snapshot) {
				calls = append(calls, fmt.Sprintf("a:%d->%d", intOf(old, "version", 0), intOf(new, "version", 0)))
			})
			store.OnChange(func(old, new *Snapshot) {
				calls = append(calls, fmt.Sprintf("b:%d->%d", intOf(old, "version", 0), intOf(new, "version", 0)))
			})
			So(store.Reload(ctx), ShouldBeNil)
			first := store.Current()
			So(store.Reload(ctx), ShouldBeNil)
			So(calls, ShouldResemble, []string{"a:0->1", "b:0->1", "a:1->2", "b:1->2"})
			So(intOf(store.Current(), "version", 0), ShouldEqual, 2)
			So(intOf(first, "version", 0), ShouldEqual, 1) // snapshots are immutable
		})

		Convey("a failed Reload keeps the current snapshot and calls no listener", func() {
			So(store.Reload(ctx), ShouldBeNil)
			loader.mu.Lock()
			loader.failures, loader.failWith = loader.calls+1, errors.New("server down")
			loader.mu.Unlock()
			called := false
			store.OnChange(func(_, _ *Snapshot) { called = true })
			err := store.Reload(ctx)
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "server down")
			So(called, ShouldBeFalse)
			So(intOf(store.Current(), "version", 0), ShouldEqual, 1)
		})

		Convey("Reload resolves placeholders; a refresh that leaves one unresolvable keeps the last good snapshot", func() {
			loader.extra = map[string]any{"host": "localhost:8080", "url": "http://${host}/api"}
			So(store.Reload(ctx), ShouldBeNil)
			So(store.Current().String("url", ""), ShouldEqual, "http://localhost:8080/api")

			loader.mu.Lock()
			loader.extra = map[string]any{"url": "http://${hots}/api"}
			loader.mu.Unlock()
			called := false
			store.OnChange(func(_, _ *Snapshot) { called = true })
			err := store.Reload(ctx)
			var pe *PlaceholderError
			So(errors.As(err, &pe), ShouldBeTrue)
			So(err.Error(), ShouldContainSubstring, "url: could not resolve placeholder ${hots}")
			So(called, ShouldBeFalse)
			So(store.Current().String("url", ""), ShouldEqual, "http://localhost:8080/api")
			version, err := store.Current().IntE("version", 0)
			So(err, ShouldBeNil)
			So(version, ShouldEqual, 1)
		})

		Convey("encrypted values are logged as warnings and absent", func() {
			loader.extra = map[string]any{"db.password": "{cipher}abc"}
			So(store.Reload(ctx), ShouldBeNil)
			So(has(store.Current(), "db.password"), ShouldBeFalse)
			var warned bool
			for _, e := range hook.AllEntries() {
				if e.Level == logrus.WarnLevel && e.Data["key"] == "db.password" {
					warned = true
				}
			}
			So(warned, ShouldBeTrue)
		})
	})
}

func TestLoadWithRetry(t *testing.T) {
	Convey("Given a config source that is unavailable at first", t, func() {
		log, hook := quietLogger()
		loader := &fakeLoader{failures: 3, failWith: errors.New("connection refused")}
		store := NewStore(loader, log)

		Convey("LoadWithRetry keeps trying, logs each failed attempt and succeeds", func() {
			err := store.LoadWithRetry(context.Background(), 5, time.Millisecond)
			So(err, ShouldBeNil)
			So(loader.callCount(), ShouldEqual, 4)
			So(intOf(store.Current(), "version", 0), ShouldEqual, 1)
			warnings := 0
			for _, e := range hook.AllEntries() {
				if e.Level == logrus.WarnLevel {
					warnings++
					So(e.Data["attempt"], ShouldEqual, warnings)
					So(e.Data["maxAttempts"], ShouldEqual, 5)
				}
			}
			So(warnings, ShouldEqual, 3)
		})

		Convey("it gives up after maxAttempts with an error naming the attempts and the cause", func() {
			err := store.LoadWithRetry(context.Background(), 2, time.Millisecond)
			So(err, ShouldNotBeNil)
			So(loader.callCount(), ShouldEqual, 2)
			So(err.Error(), ShouldContainSubstring, "after 2 of 2 attempts")
			So(err.Error(), ShouldContainSubstring, "connection refused")
			So(store.Current().Keys(), ShouldBeEmpty)
		})

		Convey("it stops when the context ends", func() {
			loader.failures = 1 << 30
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			err := store.LoadWithRetry(ctx, 1000, 10*time.Millisecond)
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "connection refused")
			So(loader.callCount(), ShouldBeLessThan, 1000)
		})

		Convey("it does not retry when a placeholder cannot be resolved: the repository must change first", func() {
			loader.failures = 0
			loader.extra = map[string]any{"quotes_service_url": "http://${quotes_hots}/api"}
			err := store.LoadWithRetry(context.Background(), 10, time.Millisecond)
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "quotes_service_url: could not resolve placeholder ${quotes_hots}")
			So(loader.callCount(), ShouldEqual, 1)
		})

		Convey("it does not retry when there is nothing to load for the application", func() {
			loader.failWith = fmt.Errorf("dir has no file: %w", ErrNoPropertySources)
			err := store.LoadWithRetry(context.Background(), 10, time.Millisecond)
			So(errors.Is(err, ErrNoPropertySources), ShouldBeTrue)
			So(loader.callCount(), ShouldEqual, 1)
		})
	})

	Convey("Given an unreachable config server, the final error names it without its password", t, func() {
		srv := httptest.NewServer(nil)
		u := strings.Replace(srv.URL, "http://", "http://cfg:pw123@", 1)
		srv.Close()
		store := NewStore(NewRemoteLoader(u, "accountservice", "dev", "", nil), nil)
		err := store.LoadWithRetry(context.Background(), 2, time.Millisecond)
		So(err, ShouldNotBeNil)
		So(err.Error(), ShouldContainSubstring, strings.TrimPrefix(srv.URL, "http://"))
		So(err.Error(), ShouldNotContainSubstring, "pw123")
	})
}

func TestStoreConcurrentReadsAndReloads(t *testing.T) {
	store := NewStore(&fakeLoader{}, nil)
	var changes atomic.Int64
	store.OnChange(func(old, new *Snapshot) {
		if intOf(new, "version", 0) <= intOf(old, "version", 0) {
			t.Errorf("listener saw version %d after %d", intOf(new, "version", 0), intOf(old, "version", 0))
		}
		changes.Add(1)
	})
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if err := store.Reload(ctx); err != nil {
					t.Error(err)
				}
			}
		})
		wg.Go(func() {
			for range 500 {
				_ = store.Current().String("version", "")
			}
		})
	}
	wg.Wait()
	if got := intOf(store.Current(), "version", 0); got != 200 || changes.Load() != 200 {
		t.Fatalf("after 200 reloads: version %d, %d changes", got, changes.Load())
	}
}

func TestFlags(t *testing.T) {
	Convey("Given the shared flags", t, func() {
		fs := flag.NewFlagSet("svc", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		f := RegisterFlags(fs)

		Convey("the defaults are the swarm profile and the local repository", func() {
			So(fs.Parse(nil), ShouldBeNil)
			So(*f, ShouldResemble, Flags{Profile: "swarm", Dir: "support/config-repo", Attempts: 20})
			So(f.Loader("accountservice", nil), ShouldHaveSameTypeAs, &localLoader{})
		})
		Convey("a config server URL selects the remote loader", func() {
			So(fs.Parse([]string{"-profile", "dev", "-configServerUrl", "http://configserver:8888",
				"-configBranch", "main", "-configAttempts", "3", "-configDir", "/cfg"}), ShouldBeNil)
			So(*f, ShouldResemble, Flags{Profile: "dev", ServerURL: "http://configserver:8888",
				Dir: "/cfg", Label: "main", Attempts: 3})
			l, ok := f.Loader("accountservice", nil).(*remoteLoader)
			So(ok, ShouldBeTrue)
			So(l.target(), ShouldEqual, "accountservice/dev/main")
		})
	})
}
