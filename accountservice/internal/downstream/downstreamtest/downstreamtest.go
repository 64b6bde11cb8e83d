// Package downstreamtest fakes the circuit breaker for the tests of the
// downstream clients (internal/downstream, quotes, images).
package downstreamtest

import (
	"context"
	"io"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/circuit"
)

// Getter answers like a circuit: Body on success; otherwise, with
// RunFallback, whatever the fallback answers; else Err. It records the URL
// and circuit name of every call.
type Getter struct {
	Body        string
	Err         error
	RunFallback bool
	URLs, Names []string
}

// Get implements downstream.Getter.
func (f *Getter) Get(ctx context.Context, name, url string, fallback circuit.Fallback) ([]byte, error) {
	f.URLs, f.Names = append(f.URLs, url), append(f.Names, name)
	if f.Err == nil {
		return []byte(f.Body), nil
	}
	if f.RunFallback {
		return fallback(ctx, f.Err)
	}
	return nil, f.Err
}

// QuietLog is a request's logger that writes nothing.
func QuietLog(context.Context) logrus.FieldLogger {
	l := logrus.New()
	l.Out = io.Discard
	return l
}
