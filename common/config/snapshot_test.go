package config

import (
	"encoding/json"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

func TestMerge(t *testing.T) {
	Convey("Given property sources, most specific first", t, func() {
		sources := []PropertySource{
			{Name: "accountservice-dev.yml", Source: map[string]any{
				"quotes_service_url": "http://localhost:8080/api/quote",
				"Log_Level":          "debug",
			}},
			{Name: "application-dev.yml", Source: map[string]any{
				"amqp_server_url": "amqp://guest:guest@localhost:5672/",
				"log_level":       "warn",
			}},
			{Name: "accountservice.yml", Source: map[string]any{
				"server_port":        6767,
				"quotes_service_url": "http://quotes-service:8080/api/quote",
				"hystrix": map[string]any{"command": map[string]any{"quotes-service": map[string]any{
					"Timeout": 1000, "MaxConcurrentRequests": 200,
				}}},
			}},
			{Name: "application.yml", Source: map[string]any{
				"log_level":        "info",
				"config_event_bus": "springCloudBus",
			}},
		}
		snap := Merge(sources)

		Convey("the first source that has a key wins", func() {
			So(snap.String("quotes_service_url", ""), ShouldEqual, "http://localhost:8080/api/quote")
			So(snap.String("log_level", ""), ShouldEqual, "debug")
		})
		Convey("keys only in later sources are kept (every source is merged)", func() {
			So(snap.String("amqp_server_url", ""), ShouldEqual, "amqp://guest:guest@localhost:5672/")
			So(snap.Int("server_port", 0), ShouldEqual, 6767)
			So(snap.String("config_event_bus", ""), ShouldEqual, "springCloudBus")
		})
		Convey("nested maps are flattened to dotted keys, looked up case-insensitively", func() {
			So(snap.Int("hystrix.command.quotes-service.Timeout", 0), ShouldEqual, 1000)
			So(snap.Int("HYSTRIX.command.quotes-service.timeout", 0), ShouldEqual, 1000)
			So(snap.Has("hystrix.command.quotes-service"), ShouldBeFalse)
		})
		Convey("Sub returns the keys under a prefix, relative and lower-cased", func() {
			So(snap.Sub("hystrix.command.quotes-service"), ShouldResemble, map[string]any{
				"timeout": int64(1000), "maxconcurrentrequests": int64(200),
			})
			So(snap.Sub("Hystrix.Command.Quotes-Service."), ShouldHaveLength, 2)
			So(snap.Sub("hystrix.command.nothing"), ShouldBeEmpty)
			So(snap.Sub(""), ShouldHaveLength, len(snap.Keys()))
		})
		Convey("Sources lists the merged sources in order", func() {
			So(snap.Sources(), ShouldResemble, []string{
				"accountservice-dev.yml", "application-dev.yml", "accountservice.yml", "application.yml",
			})
		})
		Convey("the snapshot does not change when the sources' maps do", func() {
			sources[0].Source["quotes_service_url"] = "changed"
			So(snap.String("quotes_service_url", ""), ShouldEqual, "http://localhost:8080/api/quote")
		})
	})

	Convey("Given lists, empty lists and null values", t, func() {
		snap := Merge([]PropertySource{{Name: "a", Source: map[string]any{
			"servers":  []any{"a", map[string]any{"host": "b", "ports": []any{1, 2}}},
			"empty":    []any{},
			"nothing":  nil,
			"emptymap": map[string]any{},
		}}})
		Convey("they are flattened as Spring's YamlProcessor does", func() {
			So(snap.Keys(), ShouldResemble, []string{
				"empty", "nothing", "servers[0]", "servers[1].host", "servers[1].ports[0]", "servers[1].ports[1]",
			})
			So(snap.String("servers[1].host", ""), ShouldEqual, "b")
			So(snap.Int("servers[1].ports[1]", 0), ShouldEqual, 2)
			So(snap.String("empty", "x"), ShouldEqual, "")
			So(snap.Has("nothing"), ShouldBeTrue)
			So(snap.String("nothing", "x"), ShouldEqual, "")
		})
	})

	Convey("Given a more specific source that overrides a key with null", t, func() {
		snap := Merge([]PropertySource{
			{Name: "app-dev", Source: map[string]any{"zipkin_server_url": nil}},
			{Name: "application", Source: map[string]any{"zipkin_server_url": "http://zipkin:9411"}},
		})
		Convey("the key is present and empty, so the override takes effect", func() {
			So(snap.String("zipkin_server_url", "default"), ShouldEqual, "")
		})
	})

	Convey("Given values the config server did not decrypt", t, func() {
		snap := Merge([]PropertySource{
			{Name: "app-dev", Source: map[string]any{
				"db.password":          "{cipher}AQB4f3c…",
				"invalid.api.token":    "<n/a>",
				"invalid.not.a.marker": "real value",
			}},
			{Name: "application", Source: map[string]any{
				"db.password": "default-password",
				"api.token":   "default-token",
				"plain":       "ok",
			}},
		})
		Convey("they are absent and listed, and do not fall back to less specific sources", func() {
			So(snap.Has("db.password"), ShouldBeFalse)
			So(snap.String("db.password", "def"), ShouldEqual, "def")
			So(snap.Has("api.token"), ShouldBeFalse)
			So(snap.Undecrypted(), ShouldResemble, []string{"api.token", "db.password"})
			So(snap.String("plain", ""), ShouldEqual, "ok")
			So(snap.String("invalid.not.a.marker", ""), ShouldEqual, "real value")
		})
	})

	Convey("Given a nil or empty snapshot", t, func() {
		for _, snap := range []*Snapshot{nil, Merge(nil), {}} {
			So(snap.String("a", "d"), ShouldEqual, "d")
			So(snap.Int("a", 7), ShouldEqual, 7)
			So(snap.Bool("a", true), ShouldBeTrue)
			So(snap.Duration("a", time.Second), ShouldEqual, time.Second)
			So(snap.Has("a"), ShouldBeFalse)
			So(snap.Sub("a"), ShouldBeEmpty)
			So(snap.Keys(), ShouldBeEmpty)
			So(snap.Masked(), ShouldBeEmpty)
		}
	})
}

func TestSnapshotGetters(t *testing.T) {
	snap := Merge([]PropertySource{{Name: "s", Source: map[string]any{
		"int":       6767,
		"int64":     int64(1) << 40,
		"jsonint":   json.Number("8080"),
		"jsonfloat": json.Number("1.5"),
		"float":     2.0,
		"frac":      2.5,
		"strint":    " 42 ",
		"str":       "hello",
		"true":      true,
		"yes":       "Yes",
		"off":       "off",
		"one":       1,
		"two":       2,
		"ms":        1500,
		"dur":       "1m30s",
		"days":      "2d",
		"strms":     "250",
		"baddur":    "soon",
		"fracms":    0.5,
	}}})

	t.Run("String", func(t *testing.T) {
		for key, want := range map[string]string{
			"int": "6767", "jsonint": "8080", "jsonfloat": "1.5", "float": "2", "frac": "2.5",
			"str": "hello", "true": "true", "missing": "def",
		} {
			if got := snap.String(key, "def"); got != want {
				t.Errorf("String(%q) = %q, want %q", key, got, want)
			}
		}
	})
	t.Run("Int", func(t *testing.T) {
		for key, want := range map[string]int{
			"int": 6767, "int64": 1 << 40, "jsonint": 8080, "float": 2, "strint": 42,
			"frac": -1, "jsonfloat": -1, "str": -1, "true": -1, "missing": -1,
		} {
			if got := snap.Int(key, -1); got != want {
				t.Errorf("Int(%q) = %d, want %d", key, got, want)
			}
		}
	})
	t.Run("Bool", func(t *testing.T) {
		cases := []struct {
			key       string
			def, want bool
		}{
			{"true", false, true}, {"yes", false, true}, {"off", true, false}, {"one", false, true},
			{"two", true, true}, {"two", false, false}, {"str", true, true}, {"missing", true, true},
		}
		for _, c := range cases {
			if got := snap.Bool(c.key, c.def); got != c.want {
				t.Errorf("Bool(%q, %v) = %v, want %v", c.key, c.def, got, c.want)
			}
		}
	})
	t.Run("Duration", func(t *testing.T) {
		def := 7 * time.Second
		for key, want := range map[string]time.Duration{
			"ms": 1500 * time.Millisecond, "dur": 90 * time.Second, "days": 48 * time.Hour,
			"strms": 250 * time.Millisecond, "fracms": 500 * time.Microsecond,
			"baddur": def, "str": def, "true": def, "missing": def,
		} {
			if got := snap.Duration(key, def); got != want {
				t.Errorf("Duration(%q) = %v, want %v", key, got, want)
			}
		}
	})
}

func TestMasked(t *testing.T) {
	snap := Merge([]PropertySource{{Name: "s", Source: map[string]any{
		"amqp_server_url":   "amqp://guest:secretpw@rabbitmq:5672/",
		"db.password":       "hunter2",
		"github.token":      "ghp_x",
		"server_port":       6767,
		"zipkin_server_url": "http://zipkin:9411",
	}}})
	m := snap.Masked()
	for key, want := range map[string]string{
		"amqp_server_url":   "amqp://guest:xxxxx@rabbitmq:5672/",
		"db.password":       "*****",
		"github.token":      "*****",
		"server_port":       "6767",
		"zipkin_server_url": "http://zipkin:9411",
	} {
		if m[key] != want {
			t.Errorf("Masked()[%q] = %q, want %q", key, m[key], want)
		}
	}
}
