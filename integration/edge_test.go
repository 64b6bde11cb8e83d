//go:build landscape

package integration

import (
	"testing"

	"github.com/goblog/systest"
)

// Issue 3, integration 3, 4 and 5: one request through the edge gets a real
// quote and a real image, is traced across all five services, and the VIP
// read reaches vipservice over AMQP (the story is systest's, told on the Swarm
// stack too).
func TestRequestThroughTheEdge(t *testing.T) {
	systest.RequestThroughTheEdge(t, landscape)
}
