//go:build e2e

package e2e

import (
	"testing"

	"github.com/goblog/systest"
)

// Issue 9, system story 1: 200 concurrent POSTs through the edge, 200 distinct ids, each readable
// (the shared PostgreSQL store). The story is systest's, told on the process landscape too.
func TestConcurrentCreatesThroughTheEdge(t *testing.T) {
	systest.ConcurrentCreatesThroughTheEdge(t, swarm)
}
