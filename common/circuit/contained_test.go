package circuit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

// breakerLog records what the breakers log. SetLogger is process-wide and
// hystrix-go reads it without a lock, so it is set once, before any test runs.
var breakerLog lines

func TestMain(m *testing.M) {
	SetLogger(breakerLog.printf)
	os.Exit(m.Run())
}

type lines struct {
	mu   sync.Mutex
	text []string
}

func (l *lines) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.text = append(l.text, fmt.Sprintf(format, args...))
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.text, "\n")
}

// The breaker library stays behind this package's own API.
func TestOwnErrorsAndLogger(t *testing.T) {
	Convey("Given a circuit that opens on the first failure", t, func() {
		name := circuitName(t)
		s := fastSettings()
		s.RequestVolumeThreshold = 1
		Configure(name, s)
		d := newDownstream(http.StatusInternalServerError)
		defer d.Close()
		client := NewClient(nil, WithAttempts(1))

		Convey("without a fallback, Get's error wraps ErrOpen once it is open, and the opening is logged", func() {
			opened := eventually(func() bool {
				_, err := client.Get(context.Background(), name, d.URL, nil)
				return errors.Is(err, ErrOpen)
			})
			So(opened, ShouldBeTrue)
			So(breakerLog.String(), ShouldContainSubstring, "opening circuit "+name)
		})

		Convey("a fallback returning no body makes Get return (nil, nil)", func() {
			body, err := client.Get(context.Background(), name, d.URL, func(context.Context, error) ([]byte, error) {
				return nil, nil
			})
			So(err, ShouldBeNil)
			So(body, ShouldBeNil)
		})
	})

	Convey("An empty 200 body is not nil, so callers tell it from a fallback", t, func() {
		name := circuitName(t)
		d := newDownstream(http.StatusNoContent)
		defer d.Close()
		body, err := NewClient(nil).Get(context.Background(), name, d.URL, nil)
		So(err, ShouldBeNil)
		So(body, ShouldNotBeNil)
	})

	Convey("Applied knows nothing of a circuit never configured nor used", t, func() {
		_, ok := Applied(circuitName(t))
		So(ok, ShouldBeFalse)
	})
}
