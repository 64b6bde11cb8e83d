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
	Convey("Given imageservice started by run with a local config repository and no infrastructure", t, func() {
		dir := t.TempDir()
		port := freePort(t)
		yml := fmt.Sprintf("server_port: %d\nimage_base_url: http://images.test:7777\nlog_level: warn\n", port)
		So(os.WriteFile(filepath.Join(dir, "imageservice-test.yml"), []byte(yml), 0o644), ShouldBeNil)

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, quietLogger(), "10.9.8.7", []string{"-profile", "test", "-configDir", dir, "-configAttempts", "1"})
		}()
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		up := false
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !up; time.Sleep(50 * time.Millisecond) {
			if resp, err := http.Get(base + "/health"); err == nil {
				resp.Body.Close()
				up = resp.StatusCode == http.StatusOK
			}
		}
		So(up, ShouldBeTrue)

		resp, err := http.Get(base + "/accounts/10000")
		So(err, ShouldBeNil)
		var body map[string]string
		So(json.NewDecoder(resp.Body).Decode(&body), ShouldBeNil)
		resp.Body.Close()
		So(body, ShouldResemble, map[string]string{"url": "http://images.test:7777/file/cake.jpg", "servedBy": "10.9.8.7"})

		resp, err = http.Get(base + "/file/cake.jpg")
		So(err, ShouldBeNil)
		resp.Body.Close()
		So(resp.Header.Get("Content-Type"), ShouldEqual, "image/jpeg")

		cancel() // what SIGTERM does through signal.NotifyContext
		select {
		case err := <-done:
			So(err, ShouldBeNil)
		case <-time.After(20 * time.Second):
			So("run did not return after cancel", ShouldBeEmpty)
		}
	})

	Convey("Given no configuration for imageservice, run fails with the reason", t, func() {
		err := run(context.Background(), quietLogger(), "10.9.8.7",
			[]string{"-profile", "test", "-configDir", t.TempDir(), "-configAttempts", "1"})
		So(err, ShouldNotBeNil)
		So(err.Error(), ShouldContainSubstring, "configuration")
	})
}
