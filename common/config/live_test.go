package config_test

import (
	"context"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/config"
	"github.com/goblog/common/config/configtest"
)

// liveSettings are a service's settings: one start-only, one live.
type liveSettings struct {
	Port  int
	Level string
}

func (s liveSettings) Fields() map[string]any {
	return config.MaskFields(map[string]any{"server_port": s.Port, "log_level": s.Level})
}

// refreshLive reads the live level again, an invalid one keeping the last.
func refreshLive(snap *config.Snapshot, s liveSettings) (liveSettings, error) {
	r := config.NewReader(snap)
	r.Name(&s.Level, "log_level", "info", "a log level")
	return s, r.Err()
}

func TestLive(t *testing.T) {
	Convey("Given live settings following a store", t, func() {
		log, hook := test.NewNullLogger()
		loader := configtest.NewLoader(map[string]any{"log_level": "info"})
		store := config.NewStore(loader, log)
		So(store.Reload(context.Background()), ShouldBeNil)
		live := config.NewLive(liveSettings{Port: 6767, Level: "info"})
		var applied []string
		live.Follow(store, log, refreshLive, func(s liveSettings) { applied = append(applied, s.Level) })

		Convey("a reload stores, applies and logs the refreshed settings", func() {
			loader.Set(map[string]any{"log_level": "debug"})
			hook.Reset()
			So(store.Reload(context.Background()), ShouldBeNil)
			So(live.Load(), ShouldResemble, liveSettings{Port: 6767, Level: "debug"})
			So(applied, ShouldResemble, []string{"debug"})
			So(hook.LastEntry().Message, ShouldEqual, "configuration refreshed")
			So(hook.LastEntry().Data["log_level"], ShouldEqual, "debug")
		})
		Convey("an invalid value is warned about, naming the key, and the last good one stays", func() {
			loader.Set(map[string]any{"log_level": ""})
			hook.Reset()
			So(store.Reload(context.Background()), ShouldBeNil)
			So(live.Load().Level, ShouldEqual, "info")
			var warned []string
			for _, e := range hook.AllEntries() {
				if e.Level == logrus.WarnLevel {
					warned = append(warned, e.Data["key"].(string))
				}
			}
			So(warned, ShouldResemble, []string{"log_level"})
		})
	})
}
