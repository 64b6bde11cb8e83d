//go:build e2e

package e2e

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goblog/systest"
)

// swarmEnv is the deployed Swarm stack as the system stories of package
// systest drive it: an instance is a running, healthy task (its id and its
// container's), reached through the probe container inside the overlay
// network; stopping is scaling to 0, starting is scaling back; the
// configuration is the config server's Docker config of <app>-swarm.yml,
// replaced by a new one (configs are immutable) with a rolling update.
type swarmEnv struct{}

// swarm is the environment of this suite's shared stories.
var swarm systest.Environment = swarmEnv{}

func (swarmEnv) Name() string    { return "Swarm stack" }
func (swarmEnv) EdgeURL() string { return edgeURL }

// ZipkinURL: Zipkin publishes no port; the operator console serves it at /zipkin/, behind the
// operator's login.
func (swarmEnv) ZipkinURL() string { return operatorConsole("/zipkin") }

// TurbineStreamURL: turbine publishes no port; the dashboard proxies its stream from inside the
// network, as it does for an operator's browser.
func (swarmEnv) TurbineStreamURL() string {
	return operatorConsole("/proxy.stream?origin=" + url.QueryEscape("http://turbine:8282/turbine.stream"))
}

func (swarmEnv) Bounds() systest.Bounds {
	return systest.Bounds{Refresh: 60 * time.Second, Recovery: 60 * time.Second, FirstRead: 60 * time.Second, Telemetry: 60 * time.Second}
}

// instanceID is what identifies a task's instance: the task and its container.
func instanceID(tk task) string { return tk.ID + "/" + tk.ContainerID }

func (swarmEnv) Instances(service string) ([]systest.Instance, error) {
	tasks, err := healthyTasks(service)
	if err != nil {
		return nil, err
	}
	if len(tasks) == 0 {
		return nil, fmt.Errorf("%s has no running, healthy task", service)
	}
	var out []systest.Instance
	for _, tk := range tasks {
		out = append(out, systest.Instance{Service: service, ID: instanceID(tk), Host: tk.IP})
	}
	return out, nil
}

func (swarmEnv) StillRunning(inst systest.Instance) error {
	tasks, err := runningTasks(inst.Service)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(tasks, func(tk task) bool { return instanceID(tk) == inst.ID && tk.State == "running" }) {
		return nil
	}
	return fmt.Errorf("%s task %s no longer runs", inst.Service, inst.ID)
}

func (swarmEnv) Get(inst systest.Instance, port int, path string) (int, []byte, error) {
	return probe.http("GET", inst.Host, port, path, "")
}

// Stop scales the service to 0 and waits until none of its containers runs (a
// task Swarm is stopping keeps serving until its container has stopped). Its
// start function scales it back to the replicas it had and waits until they
// are ready.
func (swarmEnv) Stop(service string) (func() error, error) {
	before, err := desiredReplicas(service)
	if err != nil {
		return nil, err
	}
	if before == 0 {
		return nil, fmt.Errorf("%s is already scaled to 0", service)
	}
	var started bool
	var mu sync.Mutex
	start := func() error {
		mu.Lock()
		defer mu.Unlock()
		if started {
			return nil
		}
		if err := scale(service, before); err != nil {
			return fmt.Errorf("scaling %s back to %d: %w", service, before, err)
		}
		if err := waitReady(service, 5*time.Minute); err != nil {
			return fmt.Errorf("%s after scaling back: %w", service, err)
		}
		started = true
		return nil
	}
	if err := scale(service, 0); err != nil {
		return start, err
	}
	return start, eventually(90*time.Second, time.Second, func() error {
		running, err := containersOf(service)
		if err != nil {
			return err
		}
		if len(running) > 0 {
			return fmt.Errorf("%d %s containers still running", len(running), service)
		}
		return nil
	})
}

// SetConfig rolls the config server onto a new Docker config for
// /config-repo/<app>-swarm.yml with key set to value. Its restore function
// puts the config server's configs back as they were (see restoreConfigs) and
// removes the new config.
func (swarmEnv) SetConfig(app, key, value string) (func() error, error) {
	target := "/config-repo/" + app + "-swarm.yml"
	all, err := serviceConfigs("configserver")
	if err != nil {
		return nil, err
	}
	original, err := configAt("configserver", target)
	if err != nil {
		return nil, err
	}
	content, err := configData(original.ConfigName)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s_e2e_%s_swarm_%d", stack, strings.ReplaceAll(app, "-", "_"), time.Now().Unix())
	restore := func() error {
		if err := restoreConfigs("configserver", all); err != nil {
			return fmt.Errorf("putting the config server's %s back: %w", target, err)
		}
		_, _ = docker(30*time.Second, "config", "rm", name)
		return nil
	}
	if _, err := dockerStdin(30*time.Second, systest.WithTopLevelKey(content, key, value),
		"config", "create", "--label", "goblog.e2e=true", name, "-"); err != nil {
		return nil, err
	}
	before, err := updateState("configserver")
	if err != nil {
		return restore, err
	}
	if _, err := docker(60*time.Second, "service", "update", "--detach",
		"--config-rm", original.ConfigName,
		"--config-add", fmt.Sprintf("source=%s,target=%s,mode=0444", name, target),
		serviceName("configserver")); err != nil {
		return restore, err
	}
	if err := waitUpdate("configserver", before, 5*time.Minute); err != nil {
		return restore, err
	}
	return restore, waitReady("configserver", time.Minute)
}

// AnnounceRefresh posts /actuator/busrefresh to the config server, which
// announces a refresh to every service on the bus (app among them).
func (swarmEnv) AnnounceRefresh(string) error { return busRefresh() }
