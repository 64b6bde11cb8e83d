// Package systest holds the system stories goblog tells on every environment
// it runs in: the local process landscape (integration/, build tag
// landscape) and the Swarm stack (e2e/, build tag e2e). Each story is written
// once against Environment; each suite brings an adapter (processEnv in
// integration/, swarmEnv in e2e/) and calls the stories from its own tests.
// Stories only one environment can tell (Swarm scaling, rolling updates,
// self-healing; the landscape's pids and broker users) stay in their suite.
//
// Every wait is a poll with a deadline (Eventually) or a client timeout; no
// story measures wall-clock time.
package systest

import "time"

// Environment is a running landscape as the stories see and drive it. The
// adapters wait for what they change: when Stop returns no instance of the
// service answers; when a start function returns the service is ready.
type Environment interface {
	// Name says which environment this is, for the test log.
	Name() string
	// EdgeURL and ZipkinURL are the base URLs of the edge server and of
	// Zipkin (its /api/v2 is under it) as the test host reaches them;
	// TurbineStreamURL is the whole URL of the aggregated turbine.stream.
	// Where they sit behind an operator's login (the Swarm stack's operator
	// console), the URL carries the credentials as its user info, which
	// net/http sends as HTTP basic authentication; the stories print such a
	// URL only redacted (url.URL.Redacted).
	EdgeURL() string
	ZipkinURL() string
	TurbineStreamURL() string

	// Instances returns the running, ready instances of a service (a
	// process, a Swarm task), at least one, or an error.
	Instances(service string) ([]Instance, error)
	// StillRunning returns nil when inst is still running as the same
	// process or task, or says what became of it.
	StillRunning(inst Instance) error
	// Get sends GET path to port of inst and returns the status and body.
	Get(inst Instance, port int, path string) (status int, body []byte, err error)

	// Stop takes every instance of service away and returns once none runs,
	// with the function that brings it back (and waits until it is ready). That
	// function may be called more than once; once it has succeeded, later
	// calls do nothing.
	Stop(service string) (start func() error, err error)

	// SetConfig makes the config server serve value for the top-level key
	// of app's configuration in this environment's profile, without
	// announcing it on the bus, and returns the function that puts the
	// configuration back as it was (again without announcing it).
	SetConfig(app, key, value string) (restore func() error, err error)
	// AnnounceRefresh has the config server announce a configuration change
	// for app on the bus (Spring Cloud Bus, RefreshRemoteApplicationEvent).
	AnnounceRefresh(app string) error

	// Bounds are how long this environment may take for what the stories
	// wait for.
	Bounds() Bounds
}

// Bounds are the upper limits of the waits of the stories in one
// environment: a laptop's process landscape answers faster than a Swarm
// stack behind its routing mesh.
type Bounds struct {
	// Refresh: from an announced refresh to the new value in /info.
	Refresh time.Duration
	// Recovery: from a downstream ready again to its real answers through
	// the edge, on top of the breaker's sleep window.
	Recovery time.Duration
	// FirstRead: the first read through the edge with real answers from
	// every downstream (a JVM's first requests are slow).
	FirstRead time.Duration
	// Telemetry: a span in Zipkin, a circuit on turbine.stream, a VIP
	// notification counted.
	Telemetry time.Duration
}

// Instance is one running instance of a service.
type Instance struct {
	Service string
	// ID is what identifies this very instance: a pid on the landscape, a
	// Swarm task id with its container id.
	ID string
	// Host is where its ports are reached from the environment's side: localhost
	// on the landscape, the task's address in the overlay network on Swarm.
	Host string
}

// Ports of the Go services, the same in every environment.
const (
	AccountservicePort = 6767
	VipservicePort     = 6868
)
