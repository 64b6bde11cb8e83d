package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/goblog/turbine/internal/collector"
)

const defaultCluster = "accountservice=accountservice:8181"

// config is the resolved configuration of the process.
type config struct {
	Port            int
	Clusters        []collector.Cluster
	StreamPath      string
	ResolveInterval time.Duration
	Interval        time.Duration
	StaleAfter      time.Duration
	IdleTimeout     time.Duration
	LogLevel        string
}

// clusterList is the repeatable -cluster flag. One value may hold several
// specs separated by ';' or blanks (handy in a single environment variable).
type clusterList []collector.Cluster

func (l *clusterList) String() string {
	if l == nil {
		return ""
	}
	specs := make([]string, len(*l))
	for i, c := range *l {
		targets := make([]string, len(c.Targets))
		for j, t := range c.Targets {
			targets[j] = t.String()
		}
		specs[i] = c.Name + "=" + strings.Join(targets, ",")
	}
	return strings.Join(specs, ";")
}

func (l *clusterList) Set(v string) error {
	specs := strings.FieldsFunc(v, func(r rune) bool { return r == ';' || unicode.IsSpace(r) })
	if len(specs) == 0 {
		return errors.New("empty cluster")
	}
	for _, s := range specs {
		c, err := collector.ParseCluster(s)
		if err != nil {
			return err
		}
		*l = append(*l, c)
	}
	return nil
}

// parseConfig reads flags from args; a flag not given there is taken from
// the environment variable TURBINE_<FLAG NAME IN UPPER CASE> when it is set.
func parseConfig(args []string, getenv func(string) string, output io.Writer) (config, error) {
	var cfg config
	var clusters clusterList
	fs := flag.NewFlagSet("turbine", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.IntVar(&cfg.Port, "port", 8282, "HTTP port of /turbine.stream and /health")
	fs.Var(&clusters, "cluster", "cluster to aggregate, name=host:port[,host:port…]; repeatable; each host resolves to all its A records (default "+defaultCluster+")")
	fs.StringVar(&cfg.StreamPath, "streamPath", "/hystrix.stream", "path of the Hystrix stream on every replica")
	fs.DurationVar(&cfg.ResolveInterval, "resolveInterval", 5*time.Second, "how often replicas are looked up in DNS again")
	fs.DurationVar(&cfg.Interval, "interval", time.Second, "how often merged events are sent to stream clients")
	fs.DurationVar(&cfg.StaleAfter, "staleAfter", 10*time.Second, "drop a host's data when it sent nothing for a command this long")
	fs.DurationVar(&cfg.IdleTimeout, "idleTimeout", 30*time.Second, "reconnect to a replica whose stream sent nothing this long")
	fs.StringVar(&cfg.LogLevel, "logLevel", "info", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "TURBINE_" + strings.ToUpper(f.Name)
		if v := getenv(name); v != "" && !given[f.Name] && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("environment %s=%q: %w", name, v, err)
			}
		}
	})
	if envErr != nil {
		return config{}, envErr
	}
	if len(clusters) == 0 {
		if err := clusters.Set(defaultCluster); err != nil {
			return config{}, err
		}
	}
	cfg.Clusters = clusters
	return cfg, cfg.validate()
}

func (c config) validate() error {
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("port %d out of range", c.Port)
	}
	if !strings.HasPrefix(c.StreamPath, "/") {
		return fmt.Errorf("streamPath %q must start with /", c.StreamPath)
	}
	for name, d := range map[string]time.Duration{
		"resolveInterval": c.ResolveInterval, "interval": c.Interval,
		"staleAfter": c.StaleAfter, "idleTimeout": c.IdleTimeout,
	} {
		if d <= 0 {
			return fmt.Errorf("%s must be positive, got %s", name, d)
		}
	}
	seen := map[string]bool{}
	for _, cl := range c.Clusters {
		if seen[cl.Name] {
			return fmt.Errorf("cluster %q given twice", cl.Name)
		}
		seen[cl.Name] = true
	}
	return nil
}

func (c config) clusterNames() []string {
	names := make([]string, len(c.Clusters))
	for i, cl := range c.Clusters {
		names[i] = cl.Name
	}
	return names
}
