package config

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
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
			So(intOf(snap, "server_port", 0), ShouldEqual, 6767)
			So(snap.String("config_event_bus", ""), ShouldEqual, "springCloudBus")
		})
		Convey("nested maps are flattened to dotted keys, looked up case-insensitively", func() {
			So(intOf(snap, "hystrix.command.quotes-service.Timeout", 0), ShouldEqual, 1000)
			So(intOf(snap, "HYSTRIX.command.quotes-service.timeout", 0), ShouldEqual, 1000)
			So(has(snap, "hystrix.command.quotes-service"), ShouldBeFalse)
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
			So(intOf(snap, "servers[1].ports[1]", 0), ShouldEqual, 2)
			So(snap.String("empty", "x"), ShouldEqual, "")
			So(has(snap, "nothing"), ShouldBeTrue)
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
			So(has(snap, "db.password"), ShouldBeFalse)
			So(snap.String("db.password", "def"), ShouldEqual, "def")
			So(has(snap, "api.token"), ShouldBeFalse)
			So(snap.Undecrypted(), ShouldResemble, []string{"api.token", "db.password"})
			So(snap.String("plain", ""), ShouldEqual, "ok")
			So(snap.String("invalid.not.a.marker", ""), ShouldEqual, "real value")
		})
	})

	Convey("Given a nil or empty snapshot", t, func() {
		for _, snap := range []*Snapshot{nil, Merge(nil), {}} {
			So(snap.String("a", "d"), ShouldEqual, "d")
			So(intOf(snap, "a", 7), ShouldEqual, 7)
			So(boolOf(snap, "a", true), ShouldBeTrue)
			So(durationOf(snap, "a", time.Second), ShouldEqual, time.Second)
			So(has(snap, "a"), ShouldBeFalse)
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
			if got := intOf(snap, key, -1); got != want {
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
			if got := boolOf(snap, c.key, c.def); got != c.want {
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
			if got := durationOf(snap, key, def); got != want {
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

func TestCheckedGetters(t *testing.T) {
	snap := Merge([]PropertySource{{Name: "s", Source: map[string]any{
		"server_port": "abc",
		"port":        6767,
		"strport":     " 8080 ",
		"frac":        2.5,
		"huge":        1e300,
		"flag":        "yes",
		"badflag":     "maybe",
		"two":         2,
		"empty":       nil,
		"hystrix":     map[string]any{"command": map[string]any{"quotes-service": map[string]any{"Timeout": "fast"}}},
		"ms":          1500,
		"dur":         "1m30s",
		"days":        "2d",
		"negdays":     "-2d",
		"quotes":      "http://quotes-service:8080/api/quote?strength=4",
		"spaced":      " https://edge:8765/images ",
		"amqp":        "amqp://guest:guest@rabbitmq:5672/",
		"ftp":         "ftp://files.test/x",
		"noscheme":    "quotes-service:8080",
		"nohost":      "http:///api/quote",
		"portonly":    "http://:8080",
		"relative":    "/api/quote",
		"badpassword": "amqps://guest:s3cr%zz@rabbitmq:5671/",
		"wrongscheme": "http://guest:hunter2@rabbitmq:5672/",
	}}})

	Convey("Given a snapshot with well-typed and badly typed values", t, func() {
		Convey("IntE converts integers, reports the rest with the key, the value and the type", func() {
			for _, c := range []struct {
				key, err string
				want     int
			}{
				{key: "port", want: 6767},
				{key: "strport", want: 8080},
				{key: "missing", want: -1},
				{key: "server_port", want: -1, err: `config: server_port: "abc" is not an integer`},
				{key: "Server_Port", want: -1, err: `config: Server_Port: "abc" is not an integer`},
				{key: "frac", want: -1, err: `config: frac: "2.5" is not an integer`},
				{key: "huge", want: -1, err: "is not an integer"},
				{key: "flag", want: -1, err: `config: flag: "yes" is not an integer`},
				{key: "empty", want: -1, err: `config: empty: "" is not an integer`},
				{key: "hystrix.command.quotes-service.Timeout", want: -1,
					err: `config: hystrix.command.quotes-service.Timeout: "fast" is not an integer`},
			} {
				got, err := snap.IntE(c.key, -1)
				So(got, ShouldEqual, c.want)
				if c.err == "" {
					So(err, ShouldBeNil)
				} else {
					So(err, ShouldNotBeNil)
					So(err.Error(), ShouldContainSubstring, c.err)
				}
			}
		})

		Convey("PortE wants an integer from 1 to 65535", func() {
			ports := Merge([]PropertySource{{Name: "t", Source: map[string]any{
				"low": 1, "high": "65535", "zero": 0, "over": 65536, "negative": -80,
			}}})
			for _, c := range []struct {
				key, err string
				want     int
			}{
				{key: "low", want: 1},
				{key: "high", want: 65535},
				{key: "missing", want: 6767},
				{key: "zero", want: 6767, err: `config: zero: "0" is not a TCP port (1-65535)`},
				{key: "over", want: 6767, err: `config: over: "65536" is not a TCP port (1-65535)`},
				{key: "negative", want: 6767, err: `config: negative: "-80" is not a TCP port (1-65535)`},
			} {
				got, err := ports.PortE(c.key, 6767)
				So(got, ShouldEqual, c.want)
				if c.err == "" {
					So(err, ShouldBeNil)
				} else {
					So(err, ShouldNotBeNil)
					So(err.Error(), ShouldEqual, c.err)
				}
			}
			got, err := snap.PortE("server_port", 6767)
			So(got, ShouldEqual, 6767)
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldEqual, `config: server_port: "abc" is not an integer`)
		})

		Convey("BoolE accepts Spring's spellings only", func() {
			for _, c := range []struct {
				key       string
				def, want bool
				err       string
			}{
				{key: "flag", want: true},
				{key: "missing", def: true, want: true},
				{key: "badflag", def: true, want: true, err: `config: badflag: "maybe" is not a boolean`},
				{key: "two", want: false, err: `config: two: "2" is not a boolean`},
				{key: "empty", want: false, err: `config: empty: "" is not a boolean`},
			} {
				got, err := snap.BoolE(c.key, c.def)
				So(got, ShouldEqual, c.want)
				So(boolOf(snap, c.key, c.def), ShouldEqual, c.want)
				if c.err == "" {
					So(err, ShouldBeNil)
				} else {
					So(err, ShouldNotBeNil)
					So(err.Error(), ShouldContainSubstring, c.err)
				}
			}
		})

		Convey("DurationE reads milliseconds and units, reports the rest", func() {
			def := 7 * time.Second
			for _, c := range []struct {
				key  string
				want time.Duration
				err  string
			}{
				{key: "ms", want: 1500 * time.Millisecond},
				{key: "dur", want: 90 * time.Second},
				{key: "days", want: 48 * time.Hour},
				{key: "missing", want: def},
				{key: "flag", want: def, err: `config: flag: "yes" is not a duration`},
				{key: "negdays", want: def, err: `config: negdays: "-2d" is not a duration`},
				{key: "hystrix.command.quotes-service.timeout", want: def, err: `"fast" is not a duration`},
			} {
				got, err := snap.DurationE(c.key, def)
				So(got, ShouldEqual, c.want)
				So(durationOf(snap, c.key, def), ShouldEqual, c.want)
				if c.err == "" {
					So(err, ShouldBeNil)
				} else {
					So(err, ShouldNotBeNil)
					So(err.Error(), ShouldContainSubstring, c.err)
				}
			}
		})

		Convey("URLE wants a parseable URL with an allowed scheme and a host; empty means off", func() {
			web := []string{"http", "https"}
			for _, c := range []struct {
				key, def string
				schemes  []string
				want     string
				err      string
			}{
				{key: "quotes", schemes: web, want: "http://quotes-service:8080/api/quote?strength=4"},
				{key: "spaced", schemes: web, want: "https://edge:8765/images"},
				{key: "amqp", schemes: []string{"amqp", "amqps"}, want: "amqp://guest:guest@rabbitmq:5672/"},
				{key: "ftp", want: "ftp://files.test/x"}, // no schemes given: any
				{key: "missing", def: "http://default:1", schemes: web, want: "http://default:1"},
				{key: "empty", def: "http://default:1", schemes: web, want: ""},
				{key: "ftp", def: "d", schemes: web, want: "d", err: `config: ftp: "ftp://files.test/x" is not an http or https URL with a host`},
				{key: "noscheme", schemes: web, err: `config: noscheme: "quotes-service:8080" is not an http or https URL`},
				{key: "nohost", schemes: web, err: `config: nohost: "http:///api/quote" is not`},
				{key: "portonly", schemes: web, err: `config: portonly: "http://:8080" is not`},
				{key: "relative", err: `config: relative: "/api/quote" is not an absolute URL with a host`},
				{key: "amqp", schemes: web, err: `config: amqp: "amqp://guest:xxxxx@rabbitmq:5672/" is not an http or https URL`},
			} {
				got, err := snap.URLE(c.key, c.def, c.schemes...)
				So(got, ShouldEqual, c.want)
				if c.err == "" {
					So(err, ShouldBeNil)
				} else {
					So(err, ShouldNotBeNil)
					So(err.Error(), ShouldContainSubstring, c.err)
				}
			}
		})

		Convey("a rejected URL never shows its password, even when it does not parse", func() {
			_, err := snap.URLE("badpassword", "", "amqp", "amqps")
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldEqual, `config: badpassword: "*****" is not an amqp or amqps URL with a host`)
			_, err = snap.URLE("wrongscheme", "", "amqp", "amqps")
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldNotContainSubstring, "hunter2")
			So(snap.Masked()["badpassword"], ShouldEqual, "*****")
		})

		Convey("the errors are *ValueError, with the key as asked", func() {
			_, err := snap.IntE("SERVER_PORT", 1)
			var ve *ValueError
			So(errors.As(err, &ve), ShouldBeTrue)
			So(*ve, ShouldResemble, ValueError{Key: "SERVER_PORT", Value: "abc", Want: "an integer"})
		})
	})

	Convey("Given a nil snapshot, the E getters return the defaults without error", t, func() {
		var snap *Snapshot
		i, err := snap.IntE("a", 7)
		So(i, ShouldEqual, 7)
		So(err, ShouldBeNil)
		b, err := snap.BoolE("a", true)
		So(b, ShouldBeTrue)
		So(err, ShouldBeNil)
		d, err := snap.DurationE("a", time.Second)
		So(d, ShouldEqual, time.Second)
		So(err, ShouldBeNil)
		p, err := snap.PortE("a", 80)
		So(p, ShouldEqual, 80)
		So(err, ShouldBeNil)
		u, err := snap.URLE("a", "http://d")
		So(u, ShouldEqual, "http://d")
		So(err, ShouldBeNil)
	})
}

// intOf, boolOf and durationOf are the E getters without the error: def
// when the key is absent or its value invalid.
func intOf(s *Snapshot, key string, def int) int {
	i, _ := s.IntE(key, def)
	return i
}

func boolOf(s *Snapshot, key string, def bool) bool {
	b, _ := s.BoolE(key, def)
	return b
}

func durationOf(s *Snapshot, key string, def time.Duration) time.Duration {
	d, _ := s.DurationE(key, def)
	return d
}

// has reports whether key has a (decrypted) value.
func has(s *Snapshot, key string) bool {
	return slices.Contains(s.Keys(), strings.ToLower(key))
}
