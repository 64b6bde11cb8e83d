//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/e2e/load"
)

// This file sorts after the others on purpose: go test runs its test last, after the checks of
// issue 4, since it restarts the broker under every service.

// RabbitMQ's management API, published on the host, the operators' user of
// support/rabbitmq/ (make-secrets.sh writes its password), and the vhost of the landscape.
var (
	managementURL    = env("E2E_RABBITMQ_MANAGEMENT_URL", "http://localhost:15672")
	amqpUser         = env("E2E_AMQP_USER", "admin")
	amqpPasswordFile = env("E2E_AMQP_PASSWORD_FILE", "../.secrets/amqp_password_admin")
	amqpVhost        = env("E2E_AMQP_VHOST", "goblog")
)

// 10. A rolling update of RabbitMQ (a new image, or docker service update --force) keeps every
// message the broker confirmed: its database is on a volume that outlives the task. The services
// ride the broker's restart out: no task of another service is replaced (vipservice's /health
// tolerates a short outage), and VIP notifications flow again afterwards without a restart.
// Issue 9's VIP story: every VIP read answered 200 while the broker rolls (a steady 10 req/s of
// GET /api/accounts/10000 through the edge) is counted by vipservice exactly once: the outbox
// delivers at least once, vipservice's dedupe makes it exactly.
func TestBrokerUpdateKeepsMessages(t *testing.T) {
	Convey("Given a persistent message in a durable queue, and the tasks of every other service", t, func() {
		So(waitReady("rabbitmq", 3*time.Minute), ShouldBeNil)
		mgmt, err := newManagement()
		So(err, ShouldBeNil)
		queue := fmt.Sprintf("e2e.durability.%d", time.Now().UnixNano())
		So(mgmt.declareDurableQueue(queue), ShouldBeNil)
		Reset(func() {
			if err := eventually(time.Minute, 2*time.Second, func() error { return mgmt.deleteQueue(queue) }); err != nil {
				t.Logf("queue %s left behind: %v", queue, err)
			}
		})
		payload := fmt.Sprintf(`{"e2e":"durability","at":%q}`, time.Now().UTC().Format(time.RFC3339Nano))
		So(mgmt.publishPersistent(queue, payload), ShouldBeNil)

		others := map[string][]task{}
		for _, svc := range stackServices {
			if svc == "rabbitmq" {
				continue
			}
			So(waitReady(svc, 3*time.Minute), ShouldBeNil)
			tasks, err := runningTasks(svc)
			So(err, ShouldBeNil)
			others[svc] = tasks
		}
		received, err := vipCount(others["vipservice"], "received")
		So(err, ShouldBeNil)
		duplicates, err := vipCount(others["vipservice"], "duplicates")
		So(err, ShouldBeNil)

		Convey("When docker service update --force rolls RabbitMQ while VIP reads run through the edge", func() {
			before, err := updateState("rabbitmq")
			So(err, ShouldBeNil)
			oldBroker, err := runningTasks("rabbitmq")
			So(err, ShouldBeNil)
			vipLoad := load.Start(t.Context(), &http.Client{Timeout: 5 * time.Second},
				[]string{edgeURL + "/api/accounts/" + vipAccount}, 10)
			loadStopped := false
			t.Cleanup(func() {
				if !loadStopped {
					vipLoad.Stop()
				}
			})
			start := time.Now()
			_, err = docker(60*time.Second, "service", "update", "--force", "--detach", serviceName("rabbitmq"))
			So(err, ShouldBeNil)
			So(waitUpdate("rabbitmq", before, 6*time.Minute), ShouldBeNil)
			So(waitReady("rabbitmq", 2*time.Minute), ShouldBeNil)
			vipReads := vipLoad.Stop()
			loadStopped = true
			t.Logf("VIP reads during the broker update: %s", vipReads)
			newBroker, err := runningTasks("rabbitmq")
			So(err, ShouldBeNil)
			So(newBroker, ShouldNotBeEmpty)
			So(newBroker[0].ID, ShouldNotEqual, oldBroker[0].ID)
			t.Logf("broker task %.12s replaced by %.12s in %s", oldBroker[0].ID, newBroker[0].ID, time.Since(start).Round(time.Second))

			// One leaf: goconvey runs the Given and When blocks once per leaf, and one broker roll
			// is enough.
			Convey("every VIP read answered 200 is counted by vipservice exactly once, the message is still in its queue, every other service kept its tasks, and VIP notifications flow again", func() {
				So(vipReads.Failed, ShouldEqual, 0)
				So(vipReads.OK, ShouldBeGreaterThan, 0)
				// The notifications recorded while the broker was away go out once it is back.
				counted := 0
				So(eventually(2*time.Minute, 2*time.Second, func() error {
					n, err := vipCount(others["vipservice"], "received")
					if err != nil {
						return err
					}
					if counted = n - received; counted < vipReads.OK {
						return fmt.Errorf("vipservice counted %d of the %d VIP reads answered 200", counted, vipReads.OK)
					}
					return nil
				}), ShouldBeNil)
				dup, err := vipCount(others["vipservice"], "duplicates")
				So(err, ShouldBeNil)
				t.Logf("%d VIP reads answered 200 during the update; vipservice counted %d, and acked %d duplicates without counting them",
					vipReads.OK, counted, dup-duplicates)
				So(counted, ShouldEqual, vipReads.OK)
				received += counted

				var got string
				So(eventually(time.Minute, 2*time.Second, func() error {
					got, err = mgmt.getOne(queue)
					return err
				}), ShouldBeNil)
				So(got, ShouldEqual, payload)

				for svc, tasks := range others {
					So(waitReady(svc, 2*time.Minute), ShouldBeNil)
					now, err := runningTasks(svc)
					So(err, ShouldBeNil)
					ids := func(ts []task) []string {
						var out []string
						for _, tk := range ts {
							out = append(out, tk.ID)
						}
						slices.Sort(out)
						return out
					}
					So(fmt.Sprintf("%s %v", svc, ids(now)), ShouldEqual, fmt.Sprintf("%s %v", svc, ids(tasks)))
				}

				So(eventually(2*time.Minute, 3*time.Second, func() error {
					if _, _, err := edgeAccount(vipAccount); err != nil {
						return err
					}
					n, err := vipCount(others["vipservice"], "received")
					if err != nil {
						return err
					}
					if n <= received {
						return fmt.Errorf("vipservice received %d notifications, no more than the %d before the update", n, received)
					}
					return nil
				}), ShouldBeNil)
			})
		})
	})
}

// vipCount sums the field (received or rejected) of /vip/stats over vipservice's tasks, read
// through the probe.
func vipCount(tasks []task, field string) (int, error) {
	if len(tasks) == 0 {
		return 0, errors.New("no vipservice task")
	}
	total := 0
	for _, tk := range tasks {
		status, body, err := probe.http("GET", tk.IP, 6868, "/vip/stats", "")
		if err != nil {
			return 0, err
		}
		if status != http.StatusOK {
			return 0, fmt.Errorf("vipservice %s: /vip/stats answered %d: %.200s", tk.IP, status, body)
		}
		var counts map[string]any
		if err := json.Unmarshal(body, &counts); err != nil {
			return 0, fmt.Errorf("vipservice %s: /vip/stats: %w: %.200s", tk.IP, err, body)
		}
		n, ok := counts[field].(float64)
		if !ok {
			return 0, fmt.Errorf("vipservice %s: /vip/stats without a %s count: %.200s", tk.IP, field, body)
		}
		total += int(n)
	}
	return total, nil
}

// management is a client of RabbitMQ's management HTTP API on the landscape's vhost.
type management struct {
	base, user, password string
}

func newManagement() (*management, error) {
	pw, err := os.ReadFile(amqpPasswordFile)
	if err != nil {
		return nil, fmt.Errorf("the RabbitMQ password (make up writes it): %w", err)
	}
	return &management{base: managementURL, user: amqpUser, password: strings.TrimSpace(string(pw))}, nil
}

// call sends a JSON request to path under /api and decodes a JSON answer into out (when not nil).
func (m *management) call(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, m.base+"/api"+path, body)
	if err != nil {
		return err
	}
	req.SetBasicAuth(m.user, m.password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: status %d: %.300s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decoding %.300s: %w", method, path, raw, err)
		}
	}
	return nil
}

func queuePath(name string) string {
	return "/queues/" + url.PathEscape(amqpVhost) + "/" + url.PathEscape(name)
}

func (m *management) declareDurableQueue(name string) error {
	return m.call(http.MethodPut, queuePath(name), map[string]any{"durable": true, "auto_delete": false}, nil)
}

func (m *management) deleteQueue(name string) error {
	return m.call(http.MethodDelete, queuePath(name), nil, nil)
}

// publishPersistent publishes payload through the default exchange to queue, persistent
// (delivery_mode 2), and fails unless the broker routed it.
func (m *management) publishPersistent(queue, payload string) error {
	var out struct {
		Routed bool `json:"routed"`
	}
	err := m.call(http.MethodPost, "/exchanges/"+url.PathEscape(amqpVhost)+"/amq.default/publish", map[string]any{
		"properties": map[string]any{"delivery_mode": 2}, "routing_key": queue,
		"payload": payload, "payload_encoding": "string",
	}, &out)
	if err == nil && !out.Routed {
		err = fmt.Errorf("the message to %s was not routed", queue)
	}
	return err
}

// getOne takes one message off queue (acknowledged) and returns its payload.
func (m *management) getOne(queue string) (string, error) {
	var msgs []struct {
		Payload string `json:"payload"`
	}
	if err := m.call(http.MethodPost, queuePath(queue)+"/get",
		map[string]any{"count": 1, "ackmode": "ack_requeue_false", "encoding": "auto"}, &msgs); err != nil {
		return "", err
	}
	if len(msgs) == 0 {
		return "", fmt.Errorf("queue %s is empty", queue)
	}
	return msgs[0].Payload, nil
}
