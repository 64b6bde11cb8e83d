package config

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

// configServer emulates a Spring Cloud Config server's /{app}/{profile}[/{label}]
// endpoint over a directory of YAML files, serving what the local loader reads.
func configServer(t *testing.T, dir string) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if len(parts) < 2 || len(parts) > 3 || r.Method != http.MethodGet {
			http.Error(w, `{"error":"Not Found"}`, http.StatusNotFound)
			return
		}
		var label any
		if len(parts) == 3 {
			label = strings.ReplaceAll(parts[2], "(_)", "/")
		}
		sources, err := NewLocalLoader(dir, parts[0], parts[1]).Load(r.Context())
		if err != nil {
			sources = nil // the server answers 200 with no sources for an unknown app
		}
		type ps struct {
			Name   string         `json:"name"`
			Source map[string]any `json:"source"`
		}
		out := make([]ps, 0, len(sources))
		for _, s := range sources {
			out = append(out, ps(s))
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"name": parts[0], "profiles": strings.Split(parts[1], ","), "label": label,
			"version": nil, "state": nil, "propertySources": out,
		})
	}))
}

func TestLocalRemoteParity(t *testing.T) {
	Convey("Given the config repository served by an emulated config server", t, func() {
		srv := configServer(t, repoDir)
		defer srv.Close()
		for _, app := range []string{"accountservice", "vipservice", "imageservice"} {
			for _, profile := range []string{"dev", "swarm", "dev,swarm"} {
				Convey("remote and local loads of "+app+"/"+profile+" give the same snapshot", func() {
					local, _ := loadLocal(t, repoDir, app, profile)
					remoteSources, err := NewRemoteLoader(srv.URL, app, profile, "main", nil).Load(context.Background())
					So(err, ShouldBeNil)
					remote := Merge(remoteSources)
					So(remote.values, ShouldResemble, local.values)
					So(remote.Undecrypted(), ShouldResemble, local.Undecrypted())
					So(remote.Sources(), ShouldResemble, local.Sources())
					So(len(local.Keys()), ShouldBeGreaterThan, 3)
				})
			}
		}
	})

	Convey("Given what a real Spring Cloud Config server serves for testdata/repo (demo/dev)", t, func() {
		// testdata/server/demo-dev.json is the server's answer written out by
		// hand from Spring's rules: YamlProcessor flattening (lists as [i], null
		// and [] as ""), SnakeYAML's YAML 1.1 scalars (unquoted yes is true,
		// timestamps stay text, merge keys), and "invalid.<key>": "<n/a>" for
		// {cipher} values it cannot decrypt.
		body, err := os.ReadFile("testdata/server/demo-dev.json")
		So(err, ShouldBeNil)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}))
		defer srv.Close()

		remoteSources, err := NewRemoteLoader(srv.URL, "demo", "dev", "", nil).Load(context.Background())
		So(err, ShouldBeNil)
		remote := Merge(remoteSources)
		local, _ := loadLocal(t, "testdata/repo", "demo", "dev")

		Convey("the local loader reads the same values from the YAML files", func() {
			So(local.values, ShouldResemble, remote.values)
			So(local.Undecrypted(), ShouldResemble, remote.Undecrypted())
		})
		Convey("and the merged values are what the services expect", func() {
			So(local.String("server_name", ""), ShouldEqual, "demo-dev")
			So(local.String("zipkin_server_url", "x"), ShouldEqual, "")
			So(local.String("db.password", ""), ShouldEqual, "dev-password") // plain override beats the cipher below
			So(has(local, "api.token"), ShouldBeFalse)                       // cipher: absent
			So(local.Undecrypted(), ShouldResemble, []string{"api.token"})
			So(boolOf(local, "features[1].enabled", false), ShouldBeTrue)
			So(intOf(local, "client.retries", 0), ShouldEqual, 5)
			So(durationOf(local, "client.interval", 0).String(), ShouldEqual, "100ms")
			So(local.String("log_level", ""), ShouldEqual, "debug")
			So(intOf(local, "hystrix.command.quotes-service.Timeout", 0), ShouldEqual, 1000)
		})
		Convey("the server serves placeholders as written, and both modes resolve them the same way", func() {
			So(remote.String("quotes_service_url", ""), ShouldEqual, "http://${quotes_host}/api/quote?strength=${quotes_strength:4}")
			remoteResolved, err := remote.Resolve(nil)
			So(err, ShouldBeNil)
			localResolved, err := local.Resolve(nil)
			So(err, ShouldBeNil)
			So(localResolved.values, ShouldResemble, remoteResolved.values)
			// application.yml's placeholder takes demo-dev.yml's quotes_host, the most specific.
			So(localResolved.String("quotes_service_url", ""), ShouldEqual, "http://localhost:8080/api/quote?strength=4")
			So(localResolved.String("literal_template", ""), ShouldEqual, "${not.a.placeholder}")
		})
	})
}
