package config

import (
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

func TestRedactURL(t *testing.T) {
	Convey("RedactURL hides the password of a URL and a URL that does not parse", t, func() {
		for in, want := range map[string]string{
			"":                                  "",
			"amqp://guest:guest@rabbitmq:5672/": "amqp://guest:xxxxx@rabbitmq:5672/",
			"amqp://rabbitmq:5672/":             "amqp://rabbitmq:5672/",
			"http://zipkin:9411":                "http://zipkin:9411",
			"amqp://user:s3cr%zz@host/":         "*****",
		} {
			So(RedactURL(in), ShouldEqual, want)
		}
	})
}

func TestMaskFields(t *testing.T) {
	Convey("Given a service's settings for the log, secrets are masked, nested maps too, the rest kept", t, func() {
		got := MaskFields(map[string]any{
			"amqp_server_url": "amqp://guest:hunter2@rabbitmq:5672/",
			"db_password":     "hunter2",
			"server_port":     6767,
			"circuits":        map[string]any{"api_token": "t0ken", "timeoutMs": 1000},
		})
		So(got, ShouldResemble, map[string]any{
			"amqp_server_url": "amqp://guest:xxxxx@rabbitmq:5672/",
			"db_password":     "*****",
			"server_port":     6767,
			"circuits":        map[string]any{"api_token": "*****", "timeoutMs": 1000},
		})
	})
}
