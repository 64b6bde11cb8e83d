package main

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/config"
)

// Config is what accountservice reads once at start. Values that change
// live on a refresh (log level, hystrix settings, downstream URLs) are also
// read from the config store when used.
type Config struct {
	Profile            string
	ServerPort         int
	HystrixStreamPort  int
	BoltPath           string
	TestabilityEnabled bool
	AMQPURL            string
	ZipkinURL          string
	ConfigEventBus     string
	VIPQueue           string
	LogLevel           string
	QuotesURL          string
	ImagesURL          string
}

// configFrom reads and checks the start-time configuration.
func configFrom(snap *config.Snapshot, profile string) (Config, error) {
	c := Config{
		Profile:            profile,
		ServerPort:         snap.Int("server_port", 6767),
		HystrixStreamPort:  snap.Int("hystrix_stream_port", 8181),
		BoltPath:           snap.String("bolt_path", "accounts.db"),
		TestabilityEnabled: snap.Bool("testability_enabled", false),
		AMQPURL:            snap.String("amqp_server_url", ""),
		ZipkinURL:          snap.String("zipkin_server_url", ""),
		ConfigEventBus:     snap.String("config_event_bus", "springCloudBus"),
		VIPQueue:           snap.String("vip_queue", "vip_queue"),
		LogLevel:           snap.String("log_level", "info"),
		QuotesURL:          snap.String("quotes_service_url", ""),
		ImagesURL:          snap.String("imageservice_url", ""),
	}
	for key, port := range map[string]int{"server_port": c.ServerPort, "hystrix_stream_port": c.HystrixStreamPort} {
		if port < 1 || port > 65535 {
			return Config{}, fmt.Errorf("%s %d is not a TCP port", key, port)
		}
	}
	if c.ServerPort == c.HystrixStreamPort {
		return Config{}, fmt.Errorf("server_port and hystrix_stream_port are both %d", c.ServerPort)
	}
	if c.BoltPath == "" {
		return Config{}, fmt.Errorf("bolt_path is empty")
	}
	if c.VIPQueue == "" {
		return Config{}, fmt.Errorf("vip_queue is empty")
	}
	return c, nil
}

// Fields is the configuration for the log, secrets masked.
func (c Config) Fields() logrus.Fields {
	return logrus.Fields{
		"profile":             c.Profile,
		"server_port":         c.ServerPort,
		"hystrix_stream_port": c.HystrixStreamPort,
		"bolt_path":           c.BoltPath,
		"testability_enabled": c.TestabilityEnabled,
		"amqp_server_url":     redactURL(c.AMQPURL),
		"zipkin_server_url":   redactURL(c.ZipkinURL),
		"config_event_bus":    c.ConfigEventBus,
		"vip_queue":           c.VIPQueue,
		"log_level":           c.LogLevel,
		"quotes_service_url":  c.QuotesURL,
		"imageservice_url":    c.ImagesURL,
	}
}

// redactURL hides the password of a URL; a URL that does not parse is
// hidden whole, since it may hold a secret anywhere.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable, hidden>"
	}
	return u.Redacted()
}

// addr is a listen address on every interface.
func addr(port int) string { return ":" + strconv.Itoa(port) }
