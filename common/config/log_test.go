package config

import (
	"errors"
	"fmt"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"
)

func TestRejectRefresh(t *testing.T) {
	Convey("Given the errors of a refresh, each is a warning naming its key and the reason", t, func() {
		log, hook := test.NewNullLogger()
		r := NewReader(Merge([]PropertySource{{Name: "t", Source: map[string]any{"server_port": "abc"}}}))
		var port int
		r.Port(&port, "server_port", 6767)
		r.CheckKey("hystrix.command.quotes-service", errors.New(`config: hystrix.command.quotes-service.Timeout: "0" is not positive`))
		r.Check(errors.New("config: a and b are both 1"))

		RejectRefresh(log, r.Err())

		entries := hook.AllEntries()
		So(entries, ShouldHaveLength, 3)
		for _, e := range entries {
			So(e.Level, ShouldEqual, logrus.WarnLevel)
		}
		So(entries[0].Data["key"], ShouldEqual, "server_port")
		So(fmt.Sprint(entries[0].Data[logrus.ErrorKey]), ShouldContainSubstring, `"abc" is not an integer`)
		So(entries[1].Data["key"], ShouldEqual, "hystrix.command.quotes-service")
		So(entries[2].Data, ShouldNotContainKey, "key")
	})
	Convey("No error, no warning", t, func() {
		log, hook := test.NewNullLogger()
		RejectRefresh(log, nil)
		So(hook.AllEntries(), ShouldBeEmpty)
	})
}
