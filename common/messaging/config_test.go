package messaging

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/config"
)

func TestReloadConfigForURL(t *testing.T) {
	Convey("Given a store loaded from a repository whose amqp_server_url then changes", t, func() {
		dir := t.TempDir()
		file := filepath.Join(dir, "testservice-test.yml")
		So(os.WriteFile(file, []byte("amqp_server_url: amqp://goblog:old@rabbitmq:5672/\n"), 0o644), ShouldBeNil)
		log, _ := test.NewNullLogger()
		store := config.NewStore(config.NewLocalLoader(dir, "testservice", "test"), log)
		So(store.Reload(context.Background()), ShouldBeNil)
		refresh := ReloadConfigForURL(store)

		Convey("the refresh reloads and returns the new URL", func() {
			So(os.WriteFile(file, []byte("amqp_server_url: amqp://goblog:new@rabbitmq:5672/\n"), 0o644), ShouldBeNil)
			u, err := refresh(context.Background())
			So(err, ShouldBeNil)
			So(u, ShouldEqual, "amqp://goblog:new@rabbitmq:5672/")
		})
		Convey("a URL that is gone or invalid is an error naming the key", func() {
			So(os.WriteFile(file, []byte("log_level: info\n"), 0o644), ShouldBeNil)
			_, err := refresh(context.Background())
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "amqp_server_url")

			So(os.WriteFile(file, []byte("amqp_server_url: http://rabbitmq/\n"), 0o644), ShouldBeNil)
			_, err = refresh(context.Background())
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "amqp_server_url")
		})
	})
}
