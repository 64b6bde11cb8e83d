//go:build integration

package config

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

// TestRealConfigServerParity compares what a real Spring Cloud Config server
// serves for testdata/repo with what the local loader reads from it, before
// and after placeholder resolution. It needs a server over that directory:
//
//	SPRING_PROFILES_ACTIVE=native CONFIG_NATIVE_LOCATIONS=file:$PWD/testdata/repo/ \
//	  PORT=18888 java -jar support/configserver/target/configserver.jar
//	CONFIG_SERVER_URL=http://localhost:18888 go test -tags integration -run RealConfigServer ./config
//
// and is skipped when CONFIG_SERVER_URL is not set. CONFIG_REPO_DIR names the
// server's directory when it is a copy of testdata/repo with more files.
func TestRealConfigServerParity(t *testing.T) {
	serverURL := os.Getenv("CONFIG_SERVER_URL")
	if serverURL == "" {
		t.Skip("CONFIG_SERVER_URL not set: no config server over testdata/repo to compare with")
	}
	dir := os.Getenv("CONFIG_REPO_DIR") // the server's directory, when it holds more than testdata/repo
	if dir == "" {
		dir = "testdata/repo"
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, profile := range []string{"dev", "default"} {
		Convey("Given a real config server over testdata/repo, demo/"+profile, t, func() {
			remoteSources, err := NewRemoteLoader(serverURL, "demo", profile, "", nil).Load(context.Background())
			So(err, ShouldBeNil)
			remote := Merge(remoteSources)
			local, _ := loadLocal(t, dir, "demo", profile)

			Convey("the local loader reads the values the server serves", func() {
				So(local.values, ShouldResemble, remote.values)
				So(local.Undecrypted(), ShouldResemble, remote.Undecrypted())
			})
			Convey("the server serves placeholders as written, and both resolve to the same values", func() {
				So(remote.String("quotes_service_url", ""), ShouldEqual, "http://${quotes_host}/api/quote?strength=${quotes_strength:4}")
				remoteResolved, err := remote.Resolve(nil)
				So(err, ShouldBeNil)
				localResolved, err := local.Resolve(nil)
				So(err, ShouldBeNil)
				So(localResolved.values, ShouldResemble, remoteResolved.values)
				So(remoteResolved.String("literal_template", ""), ShouldEqual, "${not.a.placeholder}")
				want := map[string]string{"dev": "localhost:8080", "default": "quotes-service:8080"}[profile]
				So(remoteResolved.String("quotes_service_url", ""), ShouldEqual, "http://"+want+"/api/quote?strength=4")
			})
		})
	}
}
