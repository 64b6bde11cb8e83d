//go:build landscape

package integration

import (
	"testing"

	"github.com/goblog/systest"
)

// Issue 3, integration 6: with quotes-service killed (kill -9) every request
// still succeeds with the fallback quote within the breaker's timeout, the
// circuit shows open on turbine.stream, and real quotes come back after
// landscape.sh starts it again (the story is systest's, told on the Swarm
// stack too).
func TestQuotesServiceOutage(t *testing.T) {
	systest.QuotesServiceOutage(t, landscape)
}
