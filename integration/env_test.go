//go:build landscape

package integration

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/goblog/systest"
)

// processEnv is the local process landscape (scripts/landscape.sh) as the
// system stories of package systest drive it: an instance is a process known
// by the pid landscape.sh recorded, stopping is kill -9, starting is
// landscape.sh start, and the configuration is the runtime config repo's
// <app>-dev.yml, committed.
type processEnv struct{}

// landscape is the environment of this suite's stories.
var landscape systest.Environment = processEnv{}

// servicePorts are where the landscape's components listen on localhost.
var servicePorts = map[string]int{
	"accountservice": 6767, "vipservice": 6868, "imageservice": 7777, "quotes-service": 8080,
	"configserver": 8888, "zipkin": 9411, "edge-server": 8765, "turbine": 8282, "auth-server": 9999,
}

func (processEnv) Name() string             { return "process landscape" }
func (processEnv) EdgeURL() string          { return edgeURL }
func (processEnv) ZipkinURL() string        { return zipkinURL }
func (processEnv) TurbineStreamURL() string { return turbineURL + "/turbine.stream" }

func (processEnv) Bounds() systest.Bounds {
	return systest.Bounds{Refresh: 10 * time.Second, Recovery: 30 * time.Second, FirstRead: 30 * time.Second, Telemetry: 30 * time.Second}
}

func (processEnv) Instances(service string) ([]systest.Instance, error) {
	pid, err := pidOf(service)
	if err != nil {
		return nil, err
	}
	return []systest.Instance{{Service: service, ID: strconv.Itoa(pid), Host: "localhost"}}, nil
}

func (processEnv) StillRunning(inst systest.Instance) error {
	pid, err := pidOf(inst.Service)
	if err != nil {
		return err
	}
	if strconv.Itoa(pid) != inst.ID {
		return fmt.Errorf("%s is pid %d now, not %s", inst.Service, pid, inst.ID)
	}
	return nil
}

func (processEnv) Get(inst systest.Instance, port int, path string) (int, []byte, error) {
	r, err := get(fmt.Sprintf("http://%s%s", net.JoinHostPort(inst.Host, strconv.Itoa(port)), path))
	return r.Status, r.Body, err
}

// Stop kills the service's process with SIGKILL and waits until its port
// refuses connections. Its start function runs landscape.sh start, which
// returns once the service is healthy.
func (processEnv) Stop(service string) (func() error, error) {
	port, ok := servicePorts[service]
	if !ok {
		return nil, fmt.Errorf("no port known for %s", service)
	}
	start := sync.OnceValue(func() error {
		if _, err := pidOf(service); err == nil {
			return nil
		}
		out, err := landscapeScript(5*time.Minute, "start", service)
		if err != nil {
			return fmt.Errorf("landscape.sh start %s: %w: %s", service, err, out)
		}
		_, err = pidOf(service)
		return err
	})
	pid, err := pidOf(service)
	if err != nil {
		return nil, err
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return start, fmt.Errorf("kill -9 %s (pid %d): %w", service, pid, err)
	}
	return start, systest.Eventually(20*time.Second, 200*time.Millisecond, func() error {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("localhost", strconv.Itoa(port)), time.Second)
		if err != nil {
			return nil
		}
		c.Close()
		return fmt.Errorf("%s still accepts connections on %d", service, port)
	})
}

// SetConfig commits the changed <app>-dev.yml to the runtime config repo,
// which the config server reads on every request.
func (processEnv) SetConfig(app, key, value string) (func() error, error) {
	file := app + "-dev.yml"
	path := filepath.Join(configRepo, file)
	original, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	commit := func(content []byte, msg string) error {
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
		_, err := gitConfigRepo("commit", "-q", "-m", msg, "--", file)
		return err
	}
	restore := func() error {
		current, err := os.ReadFile(path)
		if err == nil && string(current) == string(original) {
			return nil
		}
		return commit(original, "integration: restore "+file)
	}
	if err := commit(systest.WithTopLevelKey(original, key, value), fmt.Sprintf("integration: %s %s", key, value)); err != nil {
		return restore, errors.Join(err, restore())
	}
	return restore, nil
}

// AnnounceRefresh posts to the config server's /monitor, as a git webhook
// would, for app.
func (processEnv) AnnounceRefresh(app string) error { return monitor(app) }
