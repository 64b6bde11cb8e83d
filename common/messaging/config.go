package messaging

import (
	"context"
	"errors"
	"fmt"

	"github.com/goblog/common/config"
)

// URLKey is the configuration key of the broker URL.
const URLKey = "amqp_server_url"

// URLFrom reads amqp_server_url: an amqp or amqps URL with a host, or ""
// when the key is absent. Every service reads the broker URL through it, at
// start and in ReloadConfigForURL.
func URLFrom(snap *config.Snapshot) (string, error) {
	return snap.URLE(URLKey, "", "amqp", "amqps")
}

// ReloadConfigForURL returns the function for WithCredentialsRefresh. When
// the broker refuses our credentials it reloads the whole configuration from
// store (the config server, or the local files) and returns the new
// amqp_server_url, so a service whose broker password was rotated picks it up
// without a restart.
//
// The reload is a full one: every store.OnChange listener runs, so the
// service's live settings are refreshed too, exactly as after a bus refresh.
// The error names the reload or amqp_server_url when either fails; the client
// then keeps its current URL.
func ReloadConfigForURL(store *config.Store) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		if err := store.Reload(ctx); err != nil {
			return "", fmt.Errorf("reloading the configuration: %w", err)
		}
		u, err := URLFrom(store.Current())
		if err == nil && u == "" {
			err = errors.New("config: amqp_server_url is no longer configured")
		}
		return u, err
	}
}

// ForService is how every service configures its client, in one place: the
// connection named ConnectionName(app, instance) in the management UI, the
// configuration reloaded for a new URL when the broker refuses the
// credentials (ReloadConfigForURL(store)), and the traffic measured on m.
//
//	broker := messaging.NewClient(cfg.AMQPURL, log, messaging.ForService(app, servedBy, store, messaging.NewMetrics(reg))...)
func ForService(app, instance string, store *config.Store, m *Metrics) []Option {
	return []Option{
		WithConnectionName(ConnectionName(app, instance)),
		WithCredentialsRefresh(ReloadConfigForURL(store)),
		WithMetrics(m),
	}
}

// ConnectionName is a service's connection name, "<app>@<instance>"
// ("accountservice@10.0.1.7"): which service, and which of its replicas
// (instance.Address, the servedBy of its answers and log lines).
func ConnectionName(app, instance string) string { return app + "@" + instance }
