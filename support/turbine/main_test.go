package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/logging"
	"github.com/goblog/turbine/internal/collector"
	"github.com/goblog/turbine/internal/hystrixtest"
)

const patience = 10 * time.Second

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParseConfig(t *testing.T) {
	Convey("Given no flags and no environment, the defaults aggregate accountservice on Swarm", t, func() {
		cfg, err := parseConfig(nil, env(nil), io.Discard)
		So(err, ShouldBeNil)
		So(cfg.Port, ShouldEqual, 8282)
		So(cfg.Clusters, ShouldResemble, []collector.Cluster{{Name: "accountservice", Targets: []collector.Target{{Host: "accountservice", Port: "8181"}}}})
		So(cfg.StreamPath, ShouldEqual, "/hystrix.stream")
		So(cfg.ResolveInterval, ShouldEqual, 5*time.Second)
		So(cfg.Interval, ShouldEqual, time.Second)
		So(cfg.StaleAfter, ShouldEqual, 10*time.Second)
	})

	Convey("Given repeated -cluster flags, each is a cluster", t, func() {
		cfg, err := parseConfig([]string{"-cluster", "accountservice=localhost:8181", "-cluster", "b=b1:1,b2:2", "-port", "9000"}, env(nil), io.Discard)
		So(err, ShouldBeNil)
		So(cfg.clusterNames(), ShouldResemble, []string{"accountservice", "b"})
		So(cfg.Clusters[1].Targets, ShouldHaveLength, 2)
		So(cfg.Port, ShouldEqual, 9000)
	})

	Convey("Given the environment, it fills what the flags do not give", t, func() {
		cfg, err := parseConfig([]string{"-port", "9000"}, env(map[string]string{
			"TURBINE_PORT": "1", "TURBINE_CLUSTER": "a=a:1; b=b:2", "TURBINE_RESOLVEINTERVAL": "2s",
		}), io.Discard)
		So(err, ShouldBeNil)
		So(cfg.Port, ShouldEqual, 9000)
		So(cfg.clusterNames(), ShouldResemble, []string{"a", "b"})
		So(cfg.ResolveInterval, ShouldEqual, 2*time.Second)
	})

	Convey("Given bad input, parsing fails and says why", t, func() {
		for _, tc := range []struct {
			args []string
			env  map[string]string
		}{
			{[]string{"-cluster", "a=nohostport"}, nil},
			{[]string{"-cluster", "a=a:1", "-cluster", "a=b:2"}, nil},
			{[]string{"-interval", "0s"}, nil},
			{[]string{"-streamPath", "hystrix.stream"}, nil},
			{[]string{"-port", "70000"}, nil},
			{[]string{"extra"}, nil},
			{nil, map[string]string{"TURBINE_STALEAFTER": "soon"}},
		} {
			_, err := parseConfig(tc.args, env(tc.env), io.Discard)
			So(err, ShouldNotBeNil)
		}
		_, err := parseConfig([]string{"-h"}, env(nil), io.Discard)
		So(errors.Is(err, flag.ErrHelp), ShouldBeTrue)
	})
}

func TestRun(t *testing.T) {
	Convey("run rejects a bad configuration", t, func() {
		err := run(context.Background(), []string{"-cluster", "x"}, env(nil), io.Discard, logging.NewWithWriter(io.Discard, "turbine", "test", ""))
		So(err, ShouldNotBeNil)
	})
	Convey("run on a free port returns nil when its context ends", t, func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := run(ctx, []string{"-port", "0", "-cluster", "x=127.0.0.1:1"}, env(nil), io.Discard, logging.NewWithWriter(io.Discard, "turbine", "test", ""))
		So(err, ShouldBeNil)
	})
}

func TestTurbine(t *testing.T) {
	Convey("Given two accountservice replicas found in DNS, one with the quotes-service circuit open", t, func() {
		a := hystrixtest.NewReplica(t, 10*time.Millisecond)
		a.SetEvents(hystrixtest.Command("quotes-service", 3, false, 10))
		b := hystrixtest.NewReplica(t, 10*time.Millisecond)
		b.SetEvents(hystrixtest.Command("quotes-service", 4, true, 30))
		dns := hystrixtest.NewResolver()
		dns.Set("replica-a", "127.0.0.1")
		dns.Set("replica-b", "127.0.0.1")

		cfg, err := parseConfig([]string{
			"-cluster", "accountservice=replica-a:" + a.Port() + ",replica-b:" + b.Port(),
			"-interval", "20ms", "-resolveInterval", "20ms", "-staleAfter", "1h", // only DNS removal may drop a host
		}, env(nil), io.Discard)
		So(err, ShouldBeNil)
		fast := collector.Config{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
		turbine := newApp(cfg, dns, collector.NewHTTPClient(), fast, time.Now, logging.NewWithWriter(io.Discard, "turbine", "test", ""))

		ln, err := net.Listen("tcp", "127.0.0.1:0")
		So(err, ShouldBeNil)
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- turbine.serve(ctx, ln) }()
		t.Cleanup(func() {
			cancel()
			<-served
		})
		base := "http://" + ln.Addr().String()

		Convey("Then /turbine.stream shows the cluster as one, follows DNS, and shutdown releases its clients", func() {
			sub := hystrixtest.Subscribe(t, base+"/turbine.stream?cluster=accountservice")
			ev, ok := sub.WaitFor(patience, func(ev map[string]any) bool {
				return ev["name"] == "quotes-service" && ev["reportingHosts"] == 2.0
			})
			So(ok, ShouldBeTrue)
			So(ev["type"], ShouldEqual, "HystrixCommand")
			So(ev["rollingCountSuccess"], ShouldEqual, 7)
			So(ev["requestCount"], ShouldEqual, 7)
			So(ev["isCircuitBreakerOpen"], ShouldEqual, true)
			So(ev["latencyExecute"].(map[string]any)["90"], ShouldEqual, 40) // sum; the dashboard shows 40/2
			So(ev["propertyValue_circuitBreakerSleepWindowInMilliseconds"], ShouldEqual, 5000)
			So(ev["propertyValue_metricsRollingStatisticalWindowInMilliseconds"], ShouldEqual, 20000) // the dashboard shows 20000/2

			resp, err := http.Get(base + "/health")
			So(err, ShouldBeNil)
			resp.Body.Close()
			So(resp.StatusCode, ShouldEqual, http.StatusOK)

			dns.Remove("replica-b")
			ev, ok = sub.WaitFor(patience, func(ev map[string]any) bool {
				return ev["name"] == "quotes-service" && ev["reportingHosts"] == 1.0
			})
			So(ok, ShouldBeTrue)
			So(ev["rollingCountSuccess"], ShouldEqual, 3)
			So(ev["isCircuitBreakerOpen"], ShouldEqual, false)

			cancel()
			So(sub.Ended(patience), ShouldBeTrue)
			select {
			case err := <-served:
				So(err, ShouldBeNil)
				served <- nil // for the cleanup
			case <-time.After(patience):
				So("serve did not return", ShouldBeEmpty)
			}
		})
	})
}
