package hystrix

import "time"

type executorPool struct {
	Name    string
	Metrics *poolMetrics
	Max     int
	Tickets chan *struct{}
}

func newExecutorPool(name string) *executorPool {
	p := &executorPool{}
	p.Name = name
	p.Metrics = newPoolMetrics(name)
	p.Max = getSettings(name).MaxConcurrentRequests

	p.Tickets = make(chan *struct{}, p.Max)
	for i := 0; i < p.Max; i++ {
		p.Tickets <- &struct{}{}
	}

	return p
}

func (p *executorPool) Return(ticket *struct{}) {
	p.returnAt(ticket, time.Now())
}

// returnAt is Return at now. goblog: DoInline passes the clock read that
// ended the run, and the update reads no clock of its own.
func (p *executorPool) returnAt(ticket *struct{}, now time.Time) {
	if ticket == nil {
		return
	}

	p.Metrics.Update(poolMetricsUpdate{
		activeCount: p.ActiveCount(),
		at:          now,
	})
	p.Tickets <- ticket
}

func (p *executorPool) ActiveCount() int {
	return p.Max - len(p.Tickets)
}
