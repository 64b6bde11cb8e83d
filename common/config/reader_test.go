package config

import (
	"strings"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// testSettings is a service's settings as a Reader fills them.
type testSettings struct {
	Port    int
	Enabled bool
	Grace   time.Duration
	URL     string
	Queue   string
	Bus     string
}

func readTestSettings(snap *Snapshot, s testSettings) (testSettings, error) {
	r := NewReader(snap)
	r.Port(&s.Port, "server_port", 6767)
	r.Bool(&s.Enabled, "enabled", false)
	r.Duration(&s.Grace, "grace", time.Minute, 0)
	r.URL(&s.URL, "downstream_url", "", "http", "https")
	r.Name(&s.Queue, "queue", "q", "a queue name")
	r.String(&s.Bus, "bus", "springCloudBus")
	return s, r.Err()
}

func TestReader(t *testing.T) {
	snapOf := func(src map[string]any) *Snapshot { return Merge([]PropertySource{{Name: "t", Source: src}}) }
	last := testSettings{Port: 7000, Enabled: true, Grace: time.Second, URL: "http://a/", Queue: "old", Bus: "b"}

	Convey("Given a snapshot without any of the keys, every field takes its default", t, func() {
		s, err := readTestSettings(snapOf(nil), last)
		So(err, ShouldBeNil)
		So(s, ShouldResemble, testSettings{Port: 6767, Grace: time.Minute, Queue: "q", Bus: "springCloudBus"})
	})

	Convey("Given valid values, every field takes its value", t, func() {
		s, err := readTestSettings(snapOf(map[string]any{
			"server_port": "7001", "enabled": "yes", "grace": "5s", "downstream_url": "https://b/", "queue": "new", "bus": "x",
		}), last)
		So(err, ShouldBeNil)
		So(s, ShouldResemble, testSettings{Port: 7001, Enabled: true, Grace: 5 * time.Second, URL: "https://b/", Queue: "new", Bus: "x"})
	})

	Convey("Given an invalid value for every key, each keeps its last good value and every error is listed, one line each", t, func() {
		s, err := readTestSettings(snapOf(map[string]any{
			"server_port": 0, "enabled": "sometimes", "grace": "-1s", "downstream_url": "ftp://b/", "queue": " ", "bus": "y",
		}), last)
		So(s, ShouldResemble, testSettings{Port: 7000, Enabled: true, Grace: time.Second, URL: "http://a/", Queue: "old", Bus: "y"})
		So(err, ShouldNotBeNil)
		So(strings.Split(err.Error(), "\n"), ShouldResemble, []string{
			`config: server_port: "0" is not a TCP port (1-65535)`,
			`config: enabled: "sometimes" is not a boolean (true/false, yes/no, on/off, 1/0)`,
			`config: grace: "-1s" is not a duration of 0 or more`,
			`config: downstream_url: "ftp://b/" is not an http or https URL with a host`,
			`config: queue: " " is not a queue name`,
		})
	})
}
