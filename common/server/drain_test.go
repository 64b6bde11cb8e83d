package server

import (
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/config"
)

func TestShutdownDrain(t *testing.T) {
	snapOf := func(src map[string]any) *config.Snapshot {
		return config.Merge([]config.PropertySource{{Name: "test.yml", Source: src}})
	}
	Convey("shutdown_drain is 0 when absent, a duration up to a minute when set, and a clear error otherwise", t, func() {
		for _, c := range []struct {
			src  map[string]any
			want time.Duration
			err  string
		}{
			{map[string]any{}, 0, ""},
			{map[string]any{"shutdown_drain": "12s"}, 12 * time.Second, ""},
			{map[string]any{"shutdown_drain": 1500}, 1500 * time.Millisecond, ""},
			{map[string]any{"shutdown_drain": "1m"}, time.Minute, ""},
			{map[string]any{"shutdown_drain": "later"}, 0, `config: shutdown_drain: "later" is not a duration`},
			{map[string]any{"shutdown_drain": "-1s"}, 0, `config: shutdown_drain: "-1s" is not a duration from 0s to 1m0s`},
			{map[string]any{"shutdown_drain": "2m"}, 0, `config: shutdown_drain: "2m0s" is not a duration from 0s to 1m0s`},
		} {
			d, err := ShutdownDrain(snapOf(c.src))
			if c.err == "" {
				So(err, ShouldBeNil)
			} else {
				So(err, ShouldNotBeNil)
				So(err.Error(), ShouldStartWith, c.err)
			}
			So(d, ShouldEqual, c.want)
		}
	})
}
