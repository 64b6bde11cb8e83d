package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func quietLogger() *logrus.Logger {
	log := logrus.New()
	log.SetOutput(io.Discard)
	return log
}

func TestRun(t *testing.T) {
	Convey("Given vipservice started by run while its broker is unreachable", t, func() {
		dir := t.TempDir()
		port, brokerPort := freePort(t), freePort(t) // nothing listens on brokerPort
		yml := fmt.Sprintf("server_port: %d\namqp_server_url: amqp://guest:guest@127.0.0.1:%d/\nlog_level: warn\n", port, brokerPort)
		So(os.WriteFile(filepath.Join(dir, "vipservice-test.yml"), []byte(yml), 0o644), ShouldBeNil)

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, quietLogger(), "10.9.8.7", []string{"-profile", "test", "-configDir", dir, "-configAttempts", "1"})
		}()
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		status := 0
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && status == 0; time.Sleep(50 * time.Millisecond) {
			if resp, err := http.Get(base + "/health"); err == nil {
				resp.Body.Close()
				status = resp.StatusCode
			}
		}

		Convey("it serves, /health says 503 and the stats are zero; cancel stops it cleanly", func() {
			So(status, ShouldEqual, http.StatusServiceUnavailable)
			resp, err := http.Get(base + "/vip/stats")
			So(err, ShouldBeNil)
			var stats map[string]int
			So(json.NewDecoder(resp.Body).Decode(&stats), ShouldBeNil)
			resp.Body.Close()
			So(stats, ShouldResemble, map[string]int{"received": 0, "rejected": 0})

			cancel()
			select {
			case err := <-done:
				So(err, ShouldBeNil)
			case <-time.After(20 * time.Second):
				So("run did not return after cancel", ShouldBeEmpty)
			}
		})
	})

	Convey("Given a configuration without amqp_server_url, run refuses to start and says why", t, func() {
		dir := t.TempDir()
		So(os.WriteFile(filepath.Join(dir, "vipservice-test.yml"), []byte("server_port: 1\n"), 0o644), ShouldBeNil)
		err := run(context.Background(), quietLogger(), "10.9.8.7",
			[]string{"-profile", "test", "-configDir", dir, "-configAttempts", "1"})
		So(err, ShouldNotBeNil)
		So(err.Error(), ShouldContainSubstring, "amqp_server_url")
	})
}
