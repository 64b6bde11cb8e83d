//go:build landscape

package integration

import (
	"testing"

	"github.com/goblog/systest"
)

// Issue 10, item 5: every link the API hands out (the Location of a POST, every URL in the
// account read), followed through the edge, answers 200. The story is systest's, told on the
// Swarm stack too.
func TestLinksTheAPIHandsOutWorkThroughTheEdge(t *testing.T) {
	systest.LinksTheAPIHandsOut(t, landscape)
}
