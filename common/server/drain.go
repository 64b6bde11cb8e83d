package server

import (
	"time"

	"github.com/goblog/common/config"
)

// DrainKey is the configuration key of the shutdown drain.
const DrainKey = "shutdown_drain"

// MaxShutdownDrain bounds shutdown_drain: the drain, the 15 s shutdown and
// the closers must fit in the container's stop grace period.
const MaxShutdownDrain = time.Minute

// ShutdownDrain reads shutdown_drain, Runner's Drain: how long the service
// keeps serving, health DOWN and connections closed after each response,
// between SIGTERM and its shutdown. Default 0 (shut down at once, right for a
// laptop); the swarm profile sets it above the edge's DNS cache plus
// connection time-to-live. A value out of range is a *config.ValueError.
func ShutdownDrain(snap *config.Snapshot) (time.Duration, error) {
	d, err := snap.DurationE(DrainKey, 0)
	if err != nil {
		return 0, err
	}
	if d < 0 || d > MaxShutdownDrain {
		return 0, &config.ValueError{Key: DrainKey, Value: d.String(), Want: "a duration from 0s to " + MaxShutdownDrain.String()}
	}
	return d, nil
}
