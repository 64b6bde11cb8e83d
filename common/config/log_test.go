package config

import (
	"errors"
	"fmt"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"
)

func TestLogConfig(t *testing.T) {
	Convey("Given a configuration with a password and a value still encrypted", t, func() {
		log, hook := test.NewNullLogger()
		snap := Merge([]PropertySource{{Name: "testservice-test.yml", Source: map[string]any{
			"amqp_server_url": "amqp://guest:hunter2@rabbitmq:5672/",
			"db_password":     "{cipher}abc123",
			"server_port":     7000,
		}}})

		LogConfig(log, "configuration resolved", snap)

		Convey("it logs every key masked and the sources, then warns about the encrypted key", func() {
			entries := hook.AllEntries()
			So(entries, ShouldHaveLength, 2)
			So(entries[0].Level, ShouldEqual, logrus.InfoLevel)
			So(entries[0].Message, ShouldEqual, "configuration resolved")
			So(entries[0].Data["config"], ShouldResemble, snap.Masked())
			So(fmt.Sprint(entries[0].Data["config"]), ShouldNotContainSubstring, "hunter2")
			So(entries[0].Data["sources"], ShouldResemble, []string{"testservice-test.yml"})
			So(entries[1].Level, ShouldEqual, logrus.WarnLevel)
			So(entries[1].Data["keys"], ShouldResemble, []string{"db_password"})
		})
	})
}

func TestRejectRefresh(t *testing.T) {
	Convey("A rejected refreshed value is a warning naming the key and the reason", t, func() {
		log, hook := test.NewNullLogger()
		RejectRefresh(log, "log_level", errors.New(`config: log_level: "loud" is not a log level`))
		entry := hook.LastEntry()
		So(entry, ShouldNotBeNil)
		So(entry.Level, ShouldEqual, logrus.WarnLevel)
		So(entry.Data["key"], ShouldEqual, "log_level")
		So(fmt.Sprint(entry.Data[logrus.ErrorKey]), ShouldContainSubstring, `"loud" is not a log level`)
	})
}
