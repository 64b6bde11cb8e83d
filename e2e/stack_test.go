//go:build e2e

package e2e

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/e2e/load"
	"github.com/goblog/systest"
)

// The checks of issue 4, in its order; go test runs them in this order. Each one is bounded in
// time and puts back what it changed.

// 1. Every service of the stack has its desired replicas running (and healthy).
func TestEveryServiceAtDesiredReplicas(t *testing.T) {
	Convey("Given the deployed stack", t, func() {
		out, err := docker(30*time.Second, "service", "ls", "--filter", "label=com.docker.stack.namespace="+stack,
			"--format", "{{.Name}} {{.Replicas}}")
		So(err, ShouldBeNil)
		replicas := map[string]string{}
		for _, l := range lines(out) {
			name, r, _ := strings.Cut(l, " ")
			replicas[strings.TrimPrefix(name, stack+"_")] = r
		}

		Convey("docker service ls lists every service of the landscape", func() {
			for _, svc := range stackServices {
				So(replicas, ShouldContainKey, svc)
			}

			Convey("each with its desired replicas running and healthy", func() {
				for _, svc := range stackServices {
					// "1/1": running/desired. A moment's wait for a task that is being replaced.
					So(eventually(90*time.Second, 2*time.Second, func() error {
						if err := ready(svc); err != nil {
							return err
						}
						out, err := docker(30*time.Second, "service", "ls", "--filter", "name="+serviceName(svc), "--format", "{{.Name}} {{.Replicas}}")
						if err != nil {
							return err
						}
						for _, l := range lines(out) {
							name, r, _ := strings.Cut(l, " ")
							running, desired, ok := strings.Cut(r, "/")
							if name == serviceName(svc) && ok && running == desired && desired != "0" {
								return nil
							}
						}
						return fmt.Errorf("%s: docker service ls shows %q", svc, out)
					}), ShouldBeNil)
				}
			})
		})
	})
}

// 2 (and 6). GET /api/accounts/10000 through the edge: 200 with a real quote and imageData; one
// trace in Zipkin spans edge-server, accountservice, quotes-service, imageservice and vipservice;
// vipservice counts the VIP read. The story is systest's, told on the process landscape too.
func TestAccountThroughTheEdge(t *testing.T) {
	systest.RequestThroughTheEdge(t, swarm)
}

// 3. imageservice scaled to 3: the calls through the edge spread over at least 3 replicas
// (accountservice balances over the DNS answers of the dnsrr service).
func TestImageserviceScaledOut(t *testing.T) {
	Convey("Given imageservice", t, func() {
		before, err := desiredReplicas("imageservice")
		So(err, ShouldBeNil)
		t.Cleanup(func() {
			if err := scale("imageservice", before); err != nil {
				t.Errorf("scaling imageservice back to %d: %v", before, err)
			}
			if err := waitReady("imageservice", 2*time.Minute); err != nil {
				t.Errorf("imageservice after scaling back: %v", err)
			}
		})

		Convey("When it is scaled to 3 replicas", func() {
			So(scale("imageservice", 3), ShouldBeNil)
			So(waitReady("imageservice", 3*time.Minute), ShouldBeNil)
			tasks, err := healthyTasks("imageservice")
			So(err, ShouldBeNil)
			So(len(tasks), ShouldEqual, 3)
			addresses := map[string]bool{}
			for _, tk := range tasks {
				addresses[tk.IP] = true
			}

			Convey("30 calls through the edge are served by at least 3 distinct replicas", func() {
				// accountservice re-resolves the name every few seconds: the new replicas join
				// within a round or two. Each round is 30 calls.
				var servedBy map[string]int
				So(eventually(45*time.Second, time.Second, func() error {
					servedBy = map[string]int{}
					for n := range 30 {
						a, _, err := edgeAccount(strconv.Itoa(10001 + n))
						if err != nil {
							return err
						}
						servedBy[a.ImageData.ServedBy]++
					}
					if len(servedBy) < 3 {
						return fmt.Errorf("30 calls served by %v", servedBy)
					}
					return nil
				}), ShouldBeNil)
				for ip := range servedBy {
					So(addresses, ShouldContainKey, ip) // never the fallback, only real replicas
				}
				t.Logf("imageData.servedBy over 30 calls: %v", servedBy)
			})
		})
	})
}

// 4. quotes-service scaled to 0: every request still 200 with the fallback quote within the
// breaker's timeout, the circuit open on turbine.stream; back to 1: real quotes again.
func TestQuotesServiceOutage(t *testing.T) {
	systest.QuotesServiceOutage(t, swarm)
}

// 5. A configuration change published through the bus is applied live inside Swarm: the config
// server rolls onto a new Docker config (configs are immutable) with a changed log_level for
// accountservice, POST /actuator/busrefresh announces it on RabbitMQ, and the running
// accountservice task shows the new value in /info without being replaced. Then everything is put
// back the same way.
func TestConfigRefreshThroughTheBus(t *testing.T) {
	systest.ConfigRefreshThroughTheBus(t, swarm)
}

// configRef is a config of a service's spec.
type configRef struct {
	File struct {
		Name string
		UID  string
		GID  string
		Mode uint32
	}
	ConfigID   string
	ConfigName string
}

// serviceConfigs returns the configs of svc's spec, in their order.
func serviceConfigs(svc string) ([]configRef, error) {
	out, err := docker(30*time.Second, "service", "inspect", "--format",
		"{{json .Spec.TaskTemplate.ContainerSpec.Configs}}", serviceName(svc))
	if err != nil {
		return nil, err
	}
	var refs []configRef
	if err := json.Unmarshal([]byte(out), &refs); err != nil {
		return nil, fmt.Errorf("decoding the configs of %s: %w", svc, err)
	}
	return refs, nil
}

// configAt returns the config of svc mounted at target.
func configAt(svc, target string) (configRef, error) {
	refs, err := serviceConfigs(svc)
	if err != nil {
		return configRef{}, err
	}
	for _, r := range refs {
		if r.File.Name == target {
			return r, nil
		}
	}
	return configRef{}, fmt.Errorf("%s has no config at %s", svc, target)
}

// configData returns the content of a Docker config.
func configData(name string) ([]byte, error) {
	out, err := docker(30*time.Second, "config", "inspect", "--format", "{{json .Spec.Data}}", name)
	if err != nil {
		return nil, err
	}
	var b64 string
	if err := json.Unmarshal([]byte(out), &b64); err != nil {
		return nil, fmt.Errorf("decoding config %s: %w", name, err)
	}
	return base64.StdEncoding.DecodeString(b64)
}

// restoreConfigs gives svc back exactly the configs it had (want) when they differ now, and waits
// until it runs on them. When the previous spec has them, which is the case after this suite's own
// update, `docker service rollback` restores that spec as `docker stack deploy` made it (configs
// sorted by name), so the next deploy of the stack finds nothing to change. Otherwise the configs
// are replaced with `docker service update`, whose order may differ (the next deploy then rolls
// the service once more).
func restoreConfigs(svc string, want []configRef) error {
	same := func(have []configRef) bool {
		if len(have) != len(want) {
			return false
		}
		for i := range want {
			if have[i].ConfigName != want[i].ConfigName || have[i].File != want[i].File {
				return false
			}
		}
		return true
	}
	current, err := serviceConfigs(svc)
	if err != nil {
		return err
	}
	if same(current) {
		return nil
	}
	before, err := updateState(svc)
	if err != nil {
		return err
	}
	previous, err := docker(30*time.Second, "service", "inspect", "--format",
		"{{if .PreviousSpec}}{{json .PreviousSpec.TaskTemplate.ContainerSpec.Configs}}{{end}}", serviceName(svc))
	if err != nil {
		return err
	}
	var prev []configRef
	if previous != "" && json.Unmarshal([]byte(previous), &prev) == nil && same(prev) {
		if _, err := docker(60*time.Second, "service", "rollback", "--detach", serviceName(svc)); err != nil {
			return err
		}
		if err := waitRollback(svc, before, 5*time.Minute); err != nil {
			return err
		}
		return waitReady(svc, time.Minute)
	}
	args := []string{"service", "update", "--detach"}
	for _, c := range current {
		args = append(args, "--config-rm", c.ConfigName)
	}
	for _, c := range want {
		args = append(args, "--config-add", fmt.Sprintf("source=%s,target=%s,uid=%s,gid=%s,mode=%#o",
			c.ConfigName, c.File.Name, c.File.UID, c.File.GID, c.File.Mode))
	}
	if _, err := docker(60*time.Second, append(args, serviceName(svc))...); err != nil {
		return err
	}
	if err := waitUpdate(svc, before, 5*time.Minute); err != nil {
		return err
	}
	return waitReady(svc, time.Minute)
}

// busRefresh asks the config server to announce a refresh to every service on the bus.
func busRefresh() error {
	status, body, err := probe.http("POST", "configserver", 8888, "/actuator/busrefresh", "")
	if err != nil {
		return err
	}
	if status != http.StatusNoContent && status != http.StatusOK {
		return fmt.Errorf("POST /actuator/busrefresh: status %d: %.300s", status, body)
	}
	return nil
}

// 7. /testability/healthy/false on an accountservice task: its health check fails and Swarm
// replaces the task with a new, healthy one.
func TestUnhealthyTaskIsReplaced(t *testing.T) {
	Convey("Given a healthy accountservice task", t, func() {
		tasks, err := healthyTasks("accountservice")
		So(err, ShouldBeNil)
		So(tasks, ShouldNotBeEmpty)
		victim := tasks[0]

		Convey("When GET /testability/healthy/false reaches that task", func() {
			status, body, err := probe.http("GET", victim.IP, 6767, "/testability/healthy/false", "")
			So(err, ShouldBeNil)
			So(status, ShouldEqual, http.StatusOK)
			t.Logf("task %.12s (%s) told to fail its health check: %s", victim.ID, victim.IP, strings.TrimSpace(string(body)))

			Convey("Swarm replaces it with a new task that runs healthy", func() {
				// Three failed checks 5 s apart, the restart delay, the start: well under 2 min.
				var replacement task
				So(eventually(2*time.Minute, 2*time.Second, func() error {
					if err := ready("accountservice"); err != nil {
						return err
					}
					healthy, err := healthyTasks("accountservice")
					if err != nil {
						return err
					}
					if len(healthy) == 0 {
						return errors.New("no healthy accountservice task")
					}
					for _, tk := range healthy {
						if tk.ID == victim.ID {
							return fmt.Errorf("task %.12s still runs (%s)", victim.ID, tk.Health)
						}
					}
					replacement = healthy[0]
					return nil
				}), ShouldBeNil)
				So(replacement.ID, ShouldNotEqual, victim.ID)
				state, err := docker(30*time.Second, "inspect", "--format", "{{.DesiredState}} {{.Status.State}}: {{.Status.Err}}", victim.ID)
				So(err, ShouldBeNil)
				So(state, ShouldStartWith, "shutdown")
				t.Logf("task %.12s is %s; replaced by %.12s", victim.ID, state, replacement.ID)
				// The edge serves again before the next check starts.
				So(eventually(60*time.Second, time.Second, func() error {
					_, _, err := edgeAccount("10001")
					return err
				}), ShouldBeNil)
			})
		})
	})
}

// 8. `docker service update --force accountservice` while a steady 20 req/s load runs through
// the edge: not one request fails, GETs and POSTs alike. With issue 9's shared store this is also
// its system story 2: every account acknowledged (201) before or during the update reads back
// after it.
func TestRollingUpdateWithoutErrors(t *testing.T) {
	Convey("Given accountservice ready and a steady load of 20 req/s (a third of them POSTs) through the edge", t, func() {
		So(waitReady("accountservice", 2*time.Minute), ShouldBeNil)
		old, err := runningTasks("accountservice")
		So(err, ShouldBeNil)
		// Every 201 of the load: its account, read back after the update.
		var ackMu sync.Mutex
		var acked []systest.CreatedAccount
		var ackErrs []string
		created := func(status int, body []byte) {
			if status != http.StatusCreated {
				return
			}
			var a systest.CreatedAccount
			err := json.Unmarshal(body, &a)
			if err == nil && a.ID == "" {
				err = errors.New("no id")
			}
			if err == nil {
				err = acknowledged.record(a)
			}
			ackMu.Lock()
			defer ackMu.Unlock()
			if err != nil {
				ackErrs = append(ackErrs, fmt.Sprintf("a 201 of POST /api/accounts: %v: %.200s", err, body))
				return
			}
			acked = append(acked, a)
		}
		// Two GETs and a POST, over and over: a POST is not resent by the edge's HTTP client
		// when a connection closes under it, so it fails unless the old task drains
		// (shutdown_drain) before it closes its connections.
		prefix := fmt.Sprintf("Rolling_%d_", time.Now().UnixNano()%1_000_000)
		var reqs []load.Request
		for i := range 30 {
			reqs = append(reqs, load.Request{URL: fmt.Sprintf("%s/api/accounts/%d", edgeURL, 10001+i)})
			if i%2 == 1 {
				reqs = append(reqs, load.Request{Method: http.MethodPost, URL: edgeURL + "/api/accounts",
					Body: fmt.Sprintf(`{"name":"%s%d"}`, prefix, i), Want: http.StatusCreated, Answered: created})
			}
		}
		run := load.StartRequests(t.Context(), &http.Client{Timeout: 5 * time.Second}, reqs, 20)
		stopped := false
		stop := func() load.Result { stopped = true; return run.Stop() }
		t.Cleanup(func() {
			if !stopped {
				run.Stop()
			}
		})
		// answered waits until n more requests of the load have been answered (3 s at 20 req/s).
		answered := func(n int) error {
			_, ok0, failed0 := run.Snapshot()
			return eventually(30*time.Second, 100*time.Millisecond, func() error {
				if _, ok, failed := run.Snapshot(); ok+failed < ok0+failed0+n {
					return fmt.Errorf("%d of %d requests answered", ok+failed-ok0-failed0, n)
				}
				return nil
			})
		}
		So(answered(60), ShouldBeNil) // the load runs steady before the update

		Convey("When docker service update --force rolls accountservice", func() {
			before, err := updateState("accountservice")
			So(err, ShouldBeNil)
			_, err = docker(60*time.Second, "service", "update", "--force", "--detach", serviceName("accountservice"))
			So(err, ShouldBeNil)
			So(waitUpdate("accountservice", before, 5*time.Minute), ShouldBeNil)
			So(answered(60), ShouldBeNil) // and goes on past the update, the old tasks gone
			res := stop()
			t.Logf("load during the update: %s", res)

			Convey("every request was answered as it should be (200, 201 for a POST), and new tasks run", func() {
				So(res.Sent, ShouldBeGreaterThan, 20*20) // the update takes well over 20 s
				So(res.Failed, ShouldEqual, 0)
				So(res.OK, ShouldEqual, res.Sent)
				So(ready("accountservice"), ShouldBeNil)
				now, err := runningTasks("accountservice")
				So(err, ShouldBeNil)
				for _, o := range old {
					So(slices.ContainsFunc(now, func(tk task) bool { return tk.ID == o.ID }), ShouldBeFalse)
				}

				Convey("and every account acknowledged before or during the update reads back after it (issue 9 story 2)", func() {
					ackMu.Lock()
					defer ackMu.Unlock()
					So(ackErrs, ShouldBeEmpty)
					So(len(acked), ShouldBeGreaterThan, 0)
					var missing []string
					for _, c := range acked {
						a, _, err := edgeAccount(c.ID)
						if err != nil {
							missing = append(missing, err.Error())
						} else if a.Name != c.Name {
							missing = append(missing, fmt.Sprintf("%s reads as %q, created as %q", c.ID, a.Name, c.Name))
						}
					}
					t.Logf("%d accounts acknowledged during the load read back, %d missing", len(acked), len(missing))
					So(missing, ShouldBeEmpty)
				})
			})
		})
	})
}

// 9. The internal ports are not reachable from the host: only the edge and the operator UIs are
// published. The host RabbitMQ of the Go integration tests must be stopped first (make e2e does:
// scripts/ensure-rabbitmq.sh stop), or 5672 answers.
func TestInternalPortsClosedOnTheHost(t *testing.T) {
	// 15692: RabbitMQ's Prometheus metrics; 8766: the edge's actuator (its metrics among them).
	internal := []int{6767, 7777, 8888, 5672, 5432, 6868, 8080, 8181, 9999, 15692, 8766}
	Convey("Given the stack", t, func() {
		Convey("it publishes only the edge and the operator UIs", func() {
			for _, svc := range stackServices {
				out, err := docker(30*time.Second, "service", "inspect", "--format",
					"{{range .Endpoint.Ports}}{{.PublishedPort}} {{end}}", serviceName(svc))
				So(err, ShouldBeNil)
				var ports []int
				for _, f := range strings.Fields(out) {
					p, err := strconv.Atoi(f)
					So(err, ShouldBeNil)
					ports = append(ports, p)
				}
				So(ports, ShouldResemble, publishedPorts[svc])
			}
		})

		Convey(fmt.Sprintf("ports %v on localhost refuse connections", internal), func() {
			for _, port := range internal {
				for _, host := range []string{"127.0.0.1", "::1"} {
					addr := net.JoinHostPort(host, strconv.Itoa(port))
					c, err := net.DialTimeout("tcp", addr, 3*time.Second)
					if err == nil {
						c.Close()
						So(fmt.Sprintf("%s accepts connections (%s)", addr, holder(port)), ShouldBeEmpty)
						continue
					}
					if host == "::1" && (errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.ENETUNREACH)) {
						continue // no IPv6 loopback on this machine
					}
					So(errors.Is(err, syscall.ECONNREFUSED), ShouldBeTrue)
				}
			}
		})
	})
}

// holder names the process listening on port, for the failure message.
func holder(port int) string {
	out, err := exec.Command("ss", "-Hltnp", "sport = :"+strconv.Itoa(port)).Output()
	if err != nil || len(out) == 0 {
		return "holder unknown"
	}
	return strings.Join(strings.Fields(string(out)), " ")
}
