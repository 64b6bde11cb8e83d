package collector

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/turbine/internal/aggregate"
	"github.com/goblog/turbine/internal/hystrixtest"
)

// patience bounds every wait; tests only ever wait for content, never assert time.
const patience = 10 * time.Second

func quietLog() logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}

func fastConfig() Config {
	return Config{ResolveInterval: 20 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, IdleTimeout: 5 * time.Second}
}

// start runs a collector until the test ends and returns a wait for its exit.
func start(t *testing.T, c *Collector) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { c.Run(ctx) })
	stop = sync.OnceFunc(func() { cancel(); wg.Wait() })
	t.Cleanup(stop)
	return stop
}

// command returns the merged event of name, or nil.
func command(s *aggregate.Store, cluster, name string) aggregate.Event {
	for _, ev := range s.Merged(cluster) {
		if ev["name"] == name {
			return ev
		}
	}
	return nil
}

// eventually polls cond until it holds or patience runs out.
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

func hostsAndSuccesses(s *aggregate.Store, name string, hosts, successes int) func() bool {
	return func() bool {
		ev := command(s, "accountservice", name)
		return ev != nil &&
			ev["reportingHosts"] == json.Number(itoa(hosts)) &&
			ev["rollingCountSuccess"] == json.Number(itoa(successes))
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestCollectorFollowsDNS(t *testing.T) {
	Convey("Given two replicas, only one of them in DNS yet", t, func() {
		a := hystrixtest.NewReplica(t, 10*time.Millisecond)
		a.SetEvents(hystrixtest.Command("quotes-service", 3, false, 10))
		b := hystrixtest.NewReplica(t, 10*time.Millisecond)
		b.SetEvents(hystrixtest.Command("quotes-service", 4, true, 10))
		dns := hystrixtest.NewResolver()
		dns.Set("replica-a", "127.0.0.1")
		cluster := Cluster{Name: "accountservice", Targets: []Target{{"replica-a", a.Port()}, {"replica-b", b.Port()}}}
		store := aggregate.NewStore(time.Hour, time.Now) // only DNS removal may drop a host here
		stop := start(t, New(cluster, dns, NewHTTPClient(), store, fastConfig(), quietLog()))

		So(eventually(hostsAndSuccesses(store, "quotes-service", 1, 3)), ShouldBeTrue)

		// One path through the steps, so goconvey does not rebuild the fixture per leaf.
		Convey("Then a replica appearing in DNS is added, leaving DNS removes it, a DNS outage changes nothing, and stopping forgets all", func() {
			dns.Set("replica-b", "127.0.0.1")
			So(eventually(hostsAndSuccesses(store, "quotes-service", 2, 7)), ShouldBeTrue)
			So(command(store, "accountservice", "quotes-service")["isCircuitBreakerOpen"], ShouldEqual, true)

			dns.Remove("replica-b")
			So(eventually(hostsAndSuccesses(store, "quotes-service", 1, 3)), ShouldBeTrue)
			So(command(store, "accountservice", "quotes-service")["isCircuitBreakerOpen"], ShouldEqual, false)

			dns.Set("replica-b", "127.0.0.1")
			So(eventually(hostsAndSuccesses(store, "quotes-service", 2, 7)), ShouldBeTrue)
			dns.SetBroken(true)
			requestsA, requestsB := a.Requests(), b.Requests()
			time.Sleep(100 * time.Millisecond) // several resolve rounds fail
			So(hostsAndSuccesses(store, "quotes-service", 2, 7)(), ShouldBeTrue)
			So([]int{a.Requests(), b.Requests()}, ShouldResemble, []int{requestsA, requestsB}) // streams were not cut

			stop()
			So(store.Merged("accountservice"), ShouldBeEmpty)
		})
	})
}

func TestCollectorSurvivesBrokenUpstreams(t *testing.T) {
	Convey("Given a replica that fails with 500, then sends garbage and hangs up, then 500 again, next to a healthy one", t, func() {
		broken := hystrixtest.NewReplica(t, 10*time.Millisecond,
			hystrixtest.Status500, hystrixtest.GarbageAndClose, hystrixtest.Status500)
		broken.SetEvents(hystrixtest.Command("imageservice", 5, false, 10))
		healthy := hystrixtest.NewReplica(t, 10*time.Millisecond)
		healthy.SetEvents(hystrixtest.Command("imageservice", 1, false, 10))
		cluster := Cluster{Name: "accountservice", Targets: []Target{{"127.0.0.1", broken.Port()}, {"127.0.0.1", healthy.Port()}}}
		store := aggregate.NewStore(time.Hour, time.Now) // only DNS removal may drop a host here
		start(t, New(cluster, hystrixtest.NewResolver(), NewHTTPClient(), store, fastConfig(), quietLog()))

		Convey("Then it is retried until it streams, and both hosts are aggregated", func() {
			So(eventually(hostsAndSuccesses(store, "imageservice", 2, 6)), ShouldBeTrue)
			So(eventually(func() bool { return broken.Requests() >= 4 }), ShouldBeTrue)
		})
	})

	Convey("Given a replica that answers but never sends anything", t, func() {
		silent := hystrixtest.NewReplica(t, 10*time.Millisecond)
		cluster := Cluster{Name: "accountservice", Targets: []Target{{"127.0.0.1", silent.Port()}}}
		cfg := fastConfig()
		cfg.IdleTimeout = 50 * time.Millisecond
		start(t, New(cluster, hystrixtest.NewResolver(), NewHTTPClient(), aggregate.NewStore(10*time.Second, time.Now), cfg, quietLog()))

		Convey("Then the idle stream is dropped and opened again", func() {
			So(eventually(func() bool { return silent.Requests() >= 3 }), ShouldBeTrue)
		})
	})
}
