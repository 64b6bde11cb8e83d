//go:build landscape

package integration

import (
	"testing"

	"github.com/goblog/systest"
)

// Issue 9, system story 1: 200 concurrent POSTs through the edge, 200 distinct ids, each readable
// (the landscape's PostgreSQL store). The story is systest's, told on the Swarm stack too.
func TestConcurrentCreatesThroughTheEdge(t *testing.T) {
	systest.ConcurrentCreatesThroughTheEdge(t, landscape)
}
