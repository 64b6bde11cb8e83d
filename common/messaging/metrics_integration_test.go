//go:build integration

package messaging_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/goblog/common/messaging"
)

// metricValue is the value of the series of name with the given labels
// (label=value pairs), 0 when there is none.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gathering: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, l := range m.GetLabel() {
					found = found || l.GetName() == labels[i] && l.GetValue() == labels[i+1]
				}
				if !found {
					continue series
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

func TestMetricsCountTraffic(t *testing.T) {
	queue := uniqueName(t)
	deleteQueueAtEnd(t, queue)
	reg := prometheus.NewRegistry()
	c, _ := newClient(t, messaging.WithMetrics(messaging.NewMetrics(reg)))
	value := func(name string, labels ...string) float64 { return metricValue(t, reg, name, labels...) }

	var got received
	err := c.Consume(context.Background(), queue, func(_ context.Context, d amqp.Delivery) error {
		got.add(string(d.Body))
		if string(d.Body) == "bad" {
			return errors.New("cannot handle it")
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Consume: %v", err)
	}
	for _, body := range []string{"bad", "ok"} {
		if err := c.Publish(context.Background(), queue, []byte(body), nil); err != nil {
			t.Fatalf("Publish %s: %v", body, err)
		}
	}
	waitUntil(t, 15*time.Second, "both messages handled", func() bool {
		return value("goblog_messaging_consumed_total", "queue", queue) == 2
	})
	for name, want := range map[string]float64{
		"goblog_messaging_published_total": 2,
		"goblog_messaging_confirmed_total": 2,
		"goblog_messaging_nacked_total":    0,
		"goblog_messaging_rejected_total":  1,
	} {
		if got := value(name, "queue", queue); got != want {
			t.Errorf("%s{queue=%q} = %v, want %v", name, queue, got, want)
		}
	}
	if up := value("goblog_messaging_connection_up"); up != 1 {
		t.Errorf("goblog_messaging_connection_up = %v while connected", up)
	}

	// The queue deleted under the client: the next message comes back
	// unroutable, is counted, and the one after declares the queue again.
	target := uniqueName(t) + "-returned"
	deleteQueueAtEnd(t, target)
	if err := c.Publish(context.Background(), target, []byte("first"), nil); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if _, err := rawChannel(t).QueueDelete(target, false, false, false); err != nil {
		t.Fatalf("deleting %s: %v", target, err)
	}
	if err := c.Publish(context.Background(), target, []byte("lost"), nil); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	waitUntil(t, 10*time.Second, "the unroutable message counted as returned", func() bool {
		return value("goblog_messaging_returned_total", "queue", target) == 1
	})
	if err := c.Publish(context.Background(), target, []byte("kept"), nil); err != nil {
		t.Fatalf("Publish after the return: %v", err)
	}
	q, err := rawChannel(t).QueueDeclarePassive(target, true, false, false, false, nil)
	if err != nil || q.Messages != 1 {
		t.Fatalf("after a return the queue is declared again and keeps the next message: %+v, %v", q, err)
	}

	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if up := value("goblog_messaging_connection_up"); up != 0 {
		t.Errorf("goblog_messaging_connection_up = %v after Close", up)
	}
}

func TestMetricsCountReconnects(t *testing.T) {
	proxy := newDropProxy(t)
	reg := prometheus.NewRegistry()
	c := messaging.NewClient(proxy.url, nil, messaging.WithMetrics(messaging.NewMetrics(reg)),
		messaging.WithReconnectBackoff(50*time.Millisecond, 200*time.Millisecond))
	t.Cleanup(func() { _ = c.Close() })
	waitUntil(t, 20*time.Second, "client connected", func() bool { return c.Healthy() == nil })

	proxy.drop()
	waitUntil(t, 20*time.Second, "client reconnected and counted it", func() bool {
		return c.Healthy() == nil && metricValue(t, reg, "goblog_messaging_reconnects_total") == 1
	})
	if up := metricValue(t, reg, "goblog_messaging_connection_up"); up != 1 {
		t.Errorf("goblog_messaging_connection_up = %v after the reconnect", up)
	}
}

// dropProxy forwards TCP connections to the broker and can cut them all, as
// a network failure does, while the broker stays up.
type dropProxy struct {
	url   string
	mu    sync.Mutex
	conns []net.Conn
}

func newDropProxy(t *testing.T) *dropProxy {
	t.Helper()
	broker, err := url.Parse(amqpURL())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	p := &dropProxy{}
	through := *broker
	through.Host = ln.Addr().String()
	p.url = through.String()
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			upstream, err := net.Dial("tcp", broker.Host)
			if err != nil {
				_ = client.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, client, upstream)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(upstream, client); _ = upstream.Close() }()
			go func() { _, _ = io.Copy(client, upstream); _ = client.Close() }()
		}
	}()
	return p
}

func (p *dropProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}
