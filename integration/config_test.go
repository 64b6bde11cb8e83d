//go:build landscape

package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/systest"
)

// configResponse is the Spring Cloud Config answer to /{app}/{profile}.
type configResponse struct {
	Name            string `json:"name"`
	Profiles        []string
	PropertySources []struct {
		Name   string         `json:"name"`
		Source map[string]any `json:"source"`
	} `json:"propertySources"`
}

// fetchConfig GETs /{app}/{profile} from the config server. The answer holds
// decrypted secrets: no error quotes its body.
func fetchConfig(app, profile string) (configResponse, error) {
	var c configResponse
	r, err := get(configServerURL + "/" + app + "/" + profile)
	if err != nil {
		return c, err
	}
	if r.Status != http.StatusOK {
		return c, fmt.Errorf("GET /%s/%s on the config server: status %d", app, profile, r.Status)
	}
	if err := json.Unmarshal(r.Body, &c); err != nil {
		// encoding/json's errors name types and offsets, never values.
		return c, fmt.Errorf("decoding the config server's /%s/%s: %w", app, profile, err)
	}
	return c, nil
}

// sourceIndex is the position of the property source whose name ends with
// file (names are like "file:///…/config-repo/accountservice-dev.yml"), or -1.
func (c configResponse) sourceIndex(file string) int {
	for i, s := range c.PropertySources {
		if strings.HasSuffix(s.Name, "/"+file) || s.Name == file {
			return i
		}
	}
	return -1
}

// first is the merged value of key: the first property source holding it wins.
func (c configResponse) first(key string) (any, bool) {
	for _, s := range c.PropertySources {
		if v, ok := s.Source[key]; ok {
			return v, true
		}
	}
	return nil, false
}

// Issue 3, integration 1: the Go services load their configuration from the
// config server, with first-wins precedence and the secret decrypted.
func TestConfigurationFromTheConfigServer(t *testing.T) {
	Convey("Given the config server serving the runtime config repo", t, func() {
		cfg, err := fetchConfig("accountservice", "dev")
		So(err, ShouldBeNil)

		Convey("the sources of accountservice/dev come most specific first", func() {
			dev, appDev := cfg.sourceIndex("accountservice-dev.yml"), cfg.sourceIndex("application-dev.yml")
			base, app := cfg.sourceIndex("accountservice.yml"), cfg.sourceIndex("application.yml")
			So(dev, ShouldEqual, 0)
			So(appDev, ShouldBeGreaterThan, dev)
			So(base, ShouldBeGreaterThan, appDev)
			So(app, ShouldBeGreaterThan, base)
			// Both files set testability_enabled: the dev file must win.
			So(cfg.PropertySources[dev].Source["testability_enabled"], ShouldEqual, true)
			So(cfg.PropertySources[base].Source["testability_enabled"], ShouldEqual, false)
		})

		Convey("accountservice runs with the value of the more specific file", func() {
			// /testability/… exists only when testability_enabled is true, which
			// accountservice-dev.yml says and accountservice.yml contradicts.
			r, err := get(accountserviceURL + "/testability/healthy/true")
			So(err, ShouldBeNil)
			So(r.Status, ShouldEqual, http.StatusOK)

			i, err := accountserviceInfo()
			So(err, ShouldBeNil)
			So(i.Profile, ShouldEqual, "dev")
			want, _ := cfg.first("quotes_service_url")
			So(i.Config["quotes_service_url"], ShouldEqual, want)
			So(i.Config["quotes_service_url"], ShouldStartWith, "http://localhost:8080/")
		})

		Convey("the AMQP URL is stored ciphered and served decrypted", func() {
			raw, err := os.ReadFile(filepath.Join(configRepo, "application-dev.yml"))
			So(err, ShouldBeNil)
			So(string(raw), ShouldContainSubstring, "amqp_server_url: '{cipher}")

			v, ok := cfg.first("amqp_server_url")
			So(ok, ShouldBeTrue)
			served, _ := v.(string)
			// Only the parts that are not secret are ever shown in a failure.
			So(strings.HasPrefix(served, "{cipher}"), ShouldBeFalse)
			u, err := url.Parse(served)
			So(err == nil, ShouldBeTrue) // url's error would quote the URL, password and all
			So(u.Scheme, ShouldEqual, "amqp")
			So(u.User.Username(), ShouldEqual, "goblog")
			So(u.Path, ShouldEqual, "/goblog")
			password, set := u.User.Password()
			So(set && password != "", ShouldBeTrue)

			// The plain password is nowhere in the runtime repo's history.
			history, err := gitConfigRepo("log", "-p", "--all")
			So(err, ShouldBeNil)
			So(strings.Contains(history, password), ShouldBeFalse)
		})

		Convey("accountservice and vipservice are connected to the broker as user goblog, vhost goblog", func() {
			i, err := accountserviceInfo()
			So(err, ShouldBeNil)
			So(i.Broker, ShouldEqual, "UP")
			r, err := get(vipserviceURL + "/health")
			So(err, ShouldBeNil)
			So(r.Status, ShouldEqual, http.StatusOK)

			for _, svc := range []string{"accountservice", "vipservice", "imageservice"} {
				pid, err := pidOf(svc)
				So(err, ShouldBeNil)
				conns, err := brokerConnectionsOf(pid)
				So(err, ShouldBeNil)
				for _, c := range conns {
					So(fmt.Sprintf("%s: %s@%s", svc, c.User, c.VHost), ShouldEqual, svc+": goblog@goblog")
				}
			}
		})

		Convey("the config server's bus connection uses its own user configserver", func() {
			pid, err := pidOf("configserver")
			So(err, ShouldBeNil)
			var conns []brokerConnection
			So(eventually(10*time.Second, 500*time.Millisecond, func() error {
				conns, err = brokerConnectionsOf(pid)
				return err
			}), ShouldBeNil)
			for _, c := range conns {
				So(c.User+"@"+c.VHost, ShouldEqual, "configserver@goblog")
			}
		})
	})
}

// Issue 3, integration 2: a changed value in the config repo reaches the
// running accountservice through POST /monitor and the bus, without restart
// (the story is systest's, told on the Swarm stack too).
func TestRefreshThroughTheBus(t *testing.T) {
	systest.ConfigRefreshThroughTheBus(t, landscape)
}
