package hystrix

import (
	"sync"
	"time"

	"github.com/afex/hystrix-go/hystrix/rolling"
)

// goblog: updated by Update on the goroutine returning a ticket; upstream sent
// every return down an unbuffered channel to a goroutine per circuit, so each
// command waited for that goroutine to take it.
type poolMetrics struct {
	Mutex *sync.RWMutex

	Name              string
	MaxActiveRequests *rolling.Number
	Executed          *rolling.Number
}

type poolMetricsUpdate struct {
	activeCount int
	at          time.Time // goblog: the one clock read of the update
}

func newPoolMetrics(name string) *poolMetrics {
	m := &poolMetrics{}
	m.Name = name
	m.Mutex = &sync.RWMutex{}

	m.Reset()

	return m
}

func (m *poolMetrics) Reset() {
	m.Mutex.Lock()
	defer m.Mutex.Unlock()

	m.MaxActiveRequests = rolling.NewNumber()
	m.Executed = rolling.NewNumber()
}

// Update counts one execution that ended with u.activeCount tickets out.
func (m *poolMetrics) Update(u poolMetricsUpdate) {
	m.Mutex.RLock()
	defer m.Mutex.RUnlock()

	m.Executed.IncrementAt(1, u.at)
	m.MaxActiveRequests.UpdateMaxAt(float64(u.activeCount), u.at)
}
