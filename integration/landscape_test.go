//go:build landscape

package integration

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/goblog/systest"
)

// Where the landscape is. Every base URL can be overridden from the
// environment; the defaults are the local process landscape's ports.
var (
	edgeURL           = env("LANDSCAPE_EDGE_URL", "http://localhost:8765")
	accountserviceURL = env("LANDSCAPE_ACCOUNTSERVICE_URL", "http://localhost:6767")
	vipserviceURL     = env("LANDSCAPE_VIPSERVICE_URL", "http://localhost:6868")
	quotesURL         = env("LANDSCAPE_QUOTES_URL", "http://localhost:8080")
	imageserviceURL   = env("LANDSCAPE_IMAGESERVICE_URL", "http://localhost:7777")
	configServerURL   = env("LANDSCAPE_CONFIGSERVER_URL", "http://localhost:8888")
	zipkinURL         = env("LANDSCAPE_ZIPKIN_URL", "http://localhost:9411")
	turbineURL        = env("LANDSCAPE_TURBINE_URL", "http://localhost:8282")

	// rootDir is the repository root: the runtime config repo, the pid files
	// and scripts/landscape.sh are found from it.
	rootDir     = env("LANDSCAPE_ROOT", mustAbs(".."))
	configRepo  = env("LANDSCAPE_CONFIG_REPO", filepath.Join(rootDir, ".run", "config-repo"))
	runDir      = env("LANDSCAPE_RUN_DIR", filepath.Join(rootDir, ".run", "landscape"))
	rabbitmqctl = env("RABBITMQCTL", "rabbitmqctl")
)

var httpClient = systest.NewClient()

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func mustAbs(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return abs
}

// eventually is systest.Eventually: the bound of every wait in this suite.
func eventually(timeout, interval time.Duration, check func() error) error {
	return systest.Eventually(timeout, interval, check)
}

// response is a finished HTTP exchange.
type response = systest.Response

func get(rawURL string) (response, error) {
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		return response{}, err
	}
	return systest.Do(httpClient, req)
}

func post(rawURL, contentType, body string) (response, error) {
	req, err := http.NewRequest(http.MethodPost, rawURL, strings.NewReader(body))
	if err != nil {
		return response{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return systest.Do(httpClient, req)
}

// accountserviceInfo reads GET /info of the landscape's accountservice.
func accountserviceInfo() (systest.Info, error) {
	var i systest.Info
	err := systest.GetJSON(accountserviceURL+"/info", &i)
	return i, err
}

// pidOf reads the pid scripts/landscape.sh recorded for a component and
// checks that the process runs.
func pidOf(name string) (int, error) {
	b, err := os.ReadFile(filepath.Join(runDir, name+".pid"))
	if err != nil {
		return 0, fmt.Errorf("pid of %s: %w (was the landscape started with scripts/landscape.sh up?)", name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("pid file of %s: %w", name, err)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		return 0, fmt.Errorf("%s (pid %d) does not run: %w", name, pid, err)
	}
	return pid, nil
}

// landscapeScript runs scripts/landscape.sh with args, bounded by timeout.
func landscapeScript(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join(rootDir, "scripts", "landscape.sh")}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// gitConfigRepo runs git in the runtime config repo.
func gitConfigRepo(args ...string) (string, error) {
	full := append([]string{"-C", configRepo, "-c", "user.name=integration", "-c", "user.email=integration@localhost"}, args...)
	out, err := exec.Command("git", full...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// monitor posts the git-webhook-style form the config server's /monitor
// takes, which publishes a RefreshRemoteApplicationEvent for path's service.
func monitor(path string) error {
	r, err := post(configServerURL+"/monitor", "application/x-www-form-urlencoded", url.Values{"path": {path}}.Encode())
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("POST /monitor path=%s: status %d: %.300s", path, r.Status, r.Body)
	}
	return nil
}
