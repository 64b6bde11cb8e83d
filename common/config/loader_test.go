package config

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

// repoDir is the project's config repository, the one the services read.
const repoDir = "../../support/config-repo"

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func loadLocal(t *testing.T, dir, app, profile string) (*Snapshot, []PropertySource) {
	t.Helper()
	sources, err := NewLocalLoader(dir, app, profile).Load(context.Background())
	if err != nil {
		t.Fatalf("loading %s/%s from %s: %v", app, profile, dir, err)
	}
	return Merge(sources), sources
}

func sourceNames(sources []PropertySource) []string {
	var names []string
	for _, s := range sources {
		names = append(names, filepath.Base(strings.TrimPrefix(s.Name, "file:")))
	}
	return names
}

func TestLocalLoaderOnTheConfigRepo(t *testing.T) {
	Convey("Given the project's config repository", t, func() {
		Convey("accountservice with the dev profile reads localhost URLs over the service defaults", func() {
			snap, sources := loadLocal(t, repoDir, "accountservice", "dev")
			So(sourceNames(sources), ShouldResemble, []string{
				"accountservice-dev.yml", "application-dev.yml", "accountservice.yml", "application.yml",
			})
			So(snap.String("quotes_service_url", ""), ShouldEqual, "http://localhost:8080/api/quote?strength=4")
			So(snap.String("imageservice_url", ""), ShouldEqual, "http://localhost:7777/accounts/")
			So(snap.String("amqp_server_url", ""), ShouldEqual, "amqp://guest:guest@localhost:5672/")
			So(boolOf(snap, "testability_enabled", false), ShouldBeTrue) // dev overrides false
			So(intOf(snap, "server_port", 0), ShouldEqual, 6767)
			So(snap.String("bolt_path", ""), ShouldEqual, "accounts.db")
			So(snap.String("config_event_bus", ""), ShouldEqual, "springCloudBus")
			So(intOf(snap, "hystrix.command.quotes-service.MaxConcurrentRequests", 0), ShouldEqual, 200)
		})
		Convey("accountservice with the swarm profile reads service names", func() {
			snap, _ := loadLocal(t, repoDir, "accountservice", "swarm")
			So(snap.String("quotes_service_url", ""), ShouldEqual, "http://quotes-service:8080/api/quote?strength=4")
			So(snap.String("account_store", ""), ShouldEqual, "postgres")
			So(snap.String("zipkin_server_url", ""), ShouldEqual, "http://zipkin:9411")
		})
		Convey("a comment-only profile file gives no property source, as on the server", func() {
			_, sources := loadLocal(t, repoDir, "vipservice", "dev")
			So(sourceNames(sources), ShouldResemble, []string{"application-dev.yml", "vipservice.yml", "application.yml"})
		})
	})
}

func TestLocalLoaderPrecedence(t *testing.T) {
	all := map[string]string{
		"svc-dev.yml":         "k: svc-dev\n",
		"application-dev.yml": "k: application-dev\n",
		"svc.yml":             "k: svc\n",
		"application.yml":     "k: application\n",
	}
	order := []string{"svc-dev.yml", "application-dev.yml", "svc.yml", "application.yml"}
	// Removing the winner each time walks down Spring's precedence.
	for i, winner := range order {
		files := map[string]string{"other-dev.yml": "k: other\n", "svc-swarm.yml": "k: wrong-profile\n"}
		for _, name := range order[i:] {
			files[name] = all[name]
		}
		snap, _ := loadLocal(t, writeFiles(t, files), "svc", "dev")
		if got, want := snap.String("k", ""), strings.TrimSuffix(winner, ".yml"); got != want {
			t.Errorf("with %v: k = %q, want %q", order[i:], got, want)
		}
	}
}

func TestLocalLoaderDetails(t *testing.T) {
	Convey("Given several profiles", t, func() {
		dir := writeFiles(t, map[string]string{
			"svc-dev.yml":   "a: dev\nb: dev\n",
			"svc-swarm.yml": "a: swarm\n",
			"svc.yml":       "a: base\nb: base\nc: base\n",
		})
		snap, sources := loadLocal(t, dir, "svc", "dev, swarm")
		Convey("the last profile wins, then the earlier ones, then the defaults", func() {
			So(sourceNames(sources), ShouldResemble, []string{"svc-swarm.yml", "svc-dev.yml", "svc.yml"})
			So(snap.String("a", ""), ShouldEqual, "swarm")
			So(snap.String("b", ""), ShouldEqual, "dev")
			So(snap.String("c", ""), ShouldEqual, "base")
		})
	})

	Convey("Given .yaml files", t, func() {
		dir := writeFiles(t, map[string]string{"svc.yaml": "a: yaml\nb: yaml\n", "svc.yml": "a: yml\n"})
		snap, _ := loadLocal(t, dir, "svc", "dev")
		Convey("they are read after the .yml of the same name", func() {
			So(snap.String("a", ""), ShouldEqual, "yml")
			So(snap.String("b", ""), ShouldEqual, "yaml")
		})
	})

	Convey("Given a multi-document file with profile-specific documents", t, func() {
		dir := writeFiles(t, map[string]string{"application.yml": strings.Join([]string{
			"a: first\nb: first\nc: first",
			"spring:\n  config:\n    activate:\n      on-profile: dev\na: dev-doc",
			"spring.profiles: swarm\nb: swarm-doc",
			"spring.profiles: '!swarm'\nc: not-swarm-doc",
			"",
		}, "\n---\n")})
		snap, _ := loadLocal(t, dir, "svc", "dev")
		Convey("later active documents win and inactive ones are skipped", func() {
			So(snap.String("a", ""), ShouldEqual, "dev-doc")
			So(snap.String("b", ""), ShouldEqual, "first")
			So(snap.String("c", ""), ShouldEqual, "not-swarm-doc")
		})
	})

	Convey("Given YAML 1.1 scalars as Spring Boot's SnakeYAML reads them", t, func() {
		dir := writeFiles(t, map[string]string{"svc.yml": "" +
			"plainyes: yes\nplainoff: OFF\nquoted: 'no'\nday: 2024-01-31\nport: 0x1F\nratio: 1.5\nempty:\nlist: []\n"})
		snap, _ := loadLocal(t, dir, "svc", "dev")
		So(snap.values["plainyes"], ShouldEqual, true)
		So(snap.values["plainoff"], ShouldEqual, false)
		So(snap.values["quoted"], ShouldEqual, "no")
		So(snap.values["day"], ShouldEqual, "2024-01-31")
		So(snap.values["port"], ShouldEqual, int64(31))
		So(snap.values["ratio"], ShouldEqual, 1.5)
		So(snap.values["empty"], ShouldEqual, "")
		So(snap.values["list"], ShouldEqual, "")
	})

	Convey("Given broken or missing input", t, func() {
		ctx := context.Background()
		Convey("a missing directory is ErrNoPropertySources", func() {
			_, err := NewLocalLoader(filepath.Join(t.TempDir(), "nope"), "svc", "dev").Load(ctx)
			So(errors.Is(err, ErrNoPropertySources), ShouldBeTrue)
		})
		Convey("a directory without any file for the app is ErrNoPropertySources, naming the files", func() {
			_, err := NewLocalLoader(writeFiles(t, map[string]string{"other.yml": "a: 1\n"}), "svc", "dev").Load(ctx)
			So(errors.Is(err, ErrNoPropertySources), ShouldBeTrue)
			So(err.Error(), ShouldContainSubstring, "svc-dev.yml")
		})
		Convey("invalid YAML is an error naming the file", func() {
			dir := writeFiles(t, map[string]string{"svc.yml": "a: [unclosed\n"})
			_, err := NewLocalLoader(dir, "svc", "dev").Load(ctx)
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "svc.yml")
			So(errors.Is(err, ErrNoPropertySources), ShouldBeFalse)
		})
		Convey("a document that is not a mapping is an error", func() {
			dir := writeFiles(t, map[string]string{"svc.yml": "- a\n- b\n"})
			_, err := NewLocalLoader(dir, "svc", "dev").Load(ctx)
			So(err, ShouldNotBeNil)
		})
		Convey("an alias bomb is refused instead of exhausting memory", func() {
			var b strings.Builder
			b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
			for i := 1; i <= 9; i++ {
				prev := "*a" + string(rune('0'+i-1))
				b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [" +
					strings.Repeat(prev+", ", 9) + prev + "]\n")
			}
			dir := writeFiles(t, map[string]string{"svc.yml": b.String()})
			_, err := NewLocalLoader(dir, "svc", "dev").Load(ctx)
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "alias")
		})
		Convey("an alias to a value that contains it is an error, not a stack overflow", func() {
			for _, in := range []string{"a: &x {b: *x}\n", "a: &x [*x]\n", "a: &x {b: [{c: *x}]}\n", "a: &x {<<: *x}\n"} {
				dir := writeFiles(t, map[string]string{"svc.yml": in})
				_, err := NewLocalLoader(dir, "svc", "dev").Load(ctx)
				So(err, ShouldNotBeNil)
				So(err.Error(), ShouldContainSubstring, "contains it")
			}
		})
		Convey("an alias used twice side by side is not a cycle", func() {
			dir := writeFiles(t, map[string]string{"svc.yml": "base: &b {x: 1}\nc: [*b, *b]\nd: {e: *b}\n"})
			sources, err := NewLocalLoader(dir, "svc", "dev").Load(ctx)
			So(err, ShouldBeNil)
			snap := Merge(sources)
			So(snap.String("c[1].x", ""), ShouldEqual, "1")
			So(snap.String("d.e.x", ""), ShouldEqual, "1")
		})
		Convey("nesting deeper than the limit is an error", func() {
			deep := "a: " + strings.Repeat("[", maxYAMLDepth+5) + strings.Repeat("]", maxYAMLDepth+5) + "\n"
			dir := writeFiles(t, map[string]string{"svc.yml": deep})
			_, err := NewLocalLoader(dir, "svc", "dev").Load(ctx)
			So(err, ShouldNotBeNil)
		})
		Convey("a cancelled context stops the load", func() {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, err := NewLocalLoader(repoDir, "accountservice", "dev").Load(cctx)
			So(errors.Is(err, context.Canceled), ShouldBeTrue)
		})
	})
}

func TestRemoteLoader(t *testing.T) {
	const okBody = `{"name":"accountservice","profiles":["dev"],"label":null,"version":"abc","state":null,
		"propertySources":[
			{"name":"accountservice-dev.yml","source":{"server_port":6767,"quotes_service_url":"http://localhost:8080"}},
			{"name":"application.yml","source":{"server_port":1,"log_level":"info"}}]}`

	Convey("Given a config server", t, func() {
		var gotPath, gotAccept, gotUser, gotPass string
		status, ctype, body := http.StatusOK, "application/json", okBody
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			gotPath, gotAccept = r.URL.EscapedPath(), r.Header.Get("Accept")
			gotUser, gotPass, _ = r.BasicAuth()
			w.Header().Set("Content-Type", ctype)
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}))
		defer srv.Close()
		ctx := context.Background()

		Convey("it GETs /{app}/{profile} and returns every property source in order", func() {
			sources, err := NewRemoteLoader(srv.URL+"/", "accountservice", "dev", "", nil).Load(ctx)
			So(err, ShouldBeNil)
			So(gotPath, ShouldEqual, "/accountservice/dev")
			So(gotAccept, ShouldEqual, "application/json")
			So(sourceNames(sources), ShouldResemble, []string{"accountservice-dev.yml", "application.yml"})
			snap := Merge(sources)
			So(intOf(snap, "server_port", 0), ShouldEqual, 6767)
			So(snap.String("log_level", ""), ShouldEqual, "info")
		})
		Convey("a label is the third path segment, with / sent as (_)", func() {
			_, err := NewRemoteLoader(srv.URL, "accountservice", "dev,swarm", "feature/x", nil).Load(ctx)
			So(err, ShouldBeNil)
			So(gotPath, ShouldEqual, "/accountservice/dev%2Cswarm/feature(_)x")
		})
		Convey("credentials in the URL are sent as basic auth and never appear in errors", func() {
			u := strings.Replace(srv.URL, "http://", "http://user:s3cret@", 1)
			_, err := NewRemoteLoader(u, "accountservice", "dev", "", nil).Load(ctx)
			So(err, ShouldBeNil)
			So(gotUser+":"+gotPass, ShouldEqual, "user:s3cret")

			status, body = http.StatusUnauthorized, `{"error":"Unauthorized"}`
			_, err = NewRemoteLoader(u, "accountservice", "dev", "", nil).Load(ctx)
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldNotContainSubstring, "s3cret")
		})

		failures := []struct {
			name         string
			status       int
			ctype, body  string
			wantContains string
			noSources    bool
		}{
			{"a 500", http.StatusInternalServerError, "application/json", `{"error":"boom"}`, "500", false},
			{"a 404", http.StatusNotFound, "text/plain", "no such app", "404", false},
			{"an HTML page", http.StatusOK, "text/html", "<html>login</html>", "not JSON", false},
			{"invalid JSON", http.StatusOK, "application/json", `{"propertySources":[`, "decoding JSON", false},
			{"JSON without propertySources", http.StatusOK, "application/json", `{"name":"x"}`, "propertySources", false},
			{"a source without a source map", http.StatusOK, "application/json", `{"propertySources":[{"name":"a"}]}`, `"source"`, false},
			{"no property sources at all", http.StatusOK, "application/json", `{"propertySources":[]}`, "serves nothing", true},
		}
		for _, f := range failures {
			Convey("it reports "+f.name+" as a clear error", func() {
				status, ctype, body = f.status, f.ctype, f.body
				_, err := NewRemoteLoader(srv.URL, "accountservice", "dev", "", nil).Load(ctx)
				So(err, ShouldNotBeNil)
				So(err.Error(), ShouldContainSubstring, f.wantContains)
				So(err.Error(), ShouldContainSubstring, "accountservice/dev")
				So(errors.Is(err, ErrNoPropertySources), ShouldEqual, f.noSources)
			})
		}
	})

	Convey("Given a config server that is not there", t, func() {
		srv := httptest.NewServer(http.NotFoundHandler())
		u := strings.Replace(srv.URL, "http://", "http://user:s3cret@", 1)
		srv.Close()
		_, err := NewRemoteLoader(u, "accountservice", "dev", "", nil).Load(context.Background())
		So(err, ShouldNotBeNil)
		So(err.Error(), ShouldContainSubstring, "config server")
		So(err.Error(), ShouldNotContainSubstring, "s3cret")
	})

	Convey("Given a malformed server URL, the error says what is wrong", t, func() {
		for _, u := range []string{"localhost:8888", "ftp://host/", "http://", "http://a b"} {
			_, err := NewRemoteLoader(u, "accountservice", "dev", "", nil).Load(context.Background())
			So(err, ShouldNotBeNil)
		}
		_, err := NewRemoteLoader("http://localhost:8888", "", "dev", "", nil).Load(context.Background())
		So(err, ShouldNotBeNil)
	})
}
