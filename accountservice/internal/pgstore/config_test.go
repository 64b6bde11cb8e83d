package pgstore

import (
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

func TestPoolConfig(t *testing.T) {
	Convey("The pool's configuration from postgres_url", t, func() {
		Convey("closes idle connections after a minute, looked for every 15 s, when the URL says nothing", func() {
			for _, url := range []string{
				"postgres://goblog:secret@postgres:5432/goblog?sslmode=disable",
				"host=postgres port=5432 user=goblog password=secret dbname=goblog sslmode=disable",
			} {
				cfg, err := poolConfig(url)
				So(err, ShouldBeNil)
				So(cfg.MaxConnIdleTime, ShouldEqual, DefaultMaxConnIdleTime)
				So(cfg.HealthCheckPeriod, ShouldEqual, DefaultHealthCheckPeriod)
				So(cfg.ConnConfig.ConnectTimeout, ShouldEqual, DefaultConnectTimeout)
			}
		})

		Convey("keeps what the URL sets, in either form", func() {
			for _, url := range []string{
				"postgres://goblog:secret@postgres:5432/goblog?pool_max_conn_idle_time=30m&pool_health_check_period=1m&connect_timeout=7",
				"host=postgres user=goblog pool_max_conn_idle_time=30m pool_health_check_period=1m connect_timeout=7",
			} {
				cfg, err := poolConfig(url)
				So(err, ShouldBeNil)
				So(cfg.MaxConnIdleTime, ShouldEqual, 30*time.Minute)
				So(cfg.HealthCheckPeriod, ShouldEqual, time.Minute)
				So(cfg.ConnConfig.ConnectTimeout, ShouldEqual, 7*time.Second)
			}
		})

		Convey("sends synchronous_commit on and names the application, but not the pool's parameters", func() {
			cfg, err := poolConfig("postgres://goblog@postgres/goblog?pool_max_conn_idle_time=2m&synchronous_commit=off")
			So(err, ShouldBeNil)
			So(cfg.ConnConfig.RuntimeParams, ShouldResemble, map[string]string{
				"synchronous_commit": "on", "application_name": "accountservice",
			})
		})

		Convey("a bad duration is an error that names postgres_url and not the password", func() {
			_, err := poolConfig("postgres://goblog:s3cr3t@postgres/goblog?pool_max_conn_idle_time=soon")
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "postgres_url")
			So(err.Error(), ShouldNotContainSubstring, "s3cr3t")
		})
	})
}
