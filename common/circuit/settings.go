package circuit

import (
	"time"

	"github.com/afex/hystrix-go/hystrix"
)

// Settings of one circuit.
type Settings struct {
	// Timeout bounds a whole command, every attempt included.
	Timeout time.Duration
	// MaxConcurrentRequests bounds the commands running at once; more are
	// rejected to the fallback. hystrix-go reads it when the circuit is first
	// used: later changes apply after a restart.
	MaxConcurrentRequests int
	// ErrorPercentThreshold opens the circuit when this percentage of the
	// requests in the rolling 10 s window failed...
	ErrorPercentThreshold int
	// RequestVolumeThreshold ...once the window holds at least this many.
	RequestVolumeThreshold int
	// SleepWindow is how long an open circuit waits before letting one
	// request through to test whether the downstream recovered.
	SleepWindow time.Duration
}

// DefaultSettings are production-sane: a 1 s timeout leaves room for three
// attempts 100 ms apart, and 200 concurrent requests instead of hystrix-go's
// 10, which rejects most calls under load.
func DefaultSettings() Settings {
	return Settings{
		Timeout:                time.Second,
		MaxConcurrentRequests:  200,
		ErrorPercentThreshold:  50,
		RequestVolumeThreshold: 20,
		SleepWindow:            5 * time.Second,
	}
}

// Values is the configuration SettingsFrom reads; *config.Snapshot
// implements it. Keys are dotted and case-insensitive.
type Values interface {
	Int(key string, def int) int
}

// SettingsFrom reads the settings of circuit name from the keys
// hystrix.command.<name>.<Timeout|MaxConcurrentRequests|ErrorPercentThreshold|RequestVolumeThreshold|SleepWindow>
// (durations in milliseconds, as Spring Cloud Netflix writes them). Missing
// or out-of-range values keep the default.
func SettingsFrom(v Values, name string) Settings {
	s := DefaultSettings()
	prefix := "hystrix.command." + name + "."
	ms := func(key string, def time.Duration) time.Duration {
		if n := v.Int(prefix+key, -1); n > 0 {
			return time.Duration(n) * time.Millisecond
		}
		return def
	}
	positive := func(key string, def, upper int) int {
		if n := v.Int(prefix+key, -1); n > 0 && n <= upper {
			return n
		}
		return def
	}
	s.Timeout = ms("Timeout", s.Timeout)
	s.SleepWindow = ms("SleepWindow", s.SleepWindow)
	s.MaxConcurrentRequests = positive("MaxConcurrentRequests", s.MaxConcurrentRequests, 1<<20)
	s.ErrorPercentThreshold = positive("ErrorPercentThreshold", s.ErrorPercentThreshold, 100)
	s.RequestVolumeThreshold = positive("RequestVolumeThreshold", s.RequestVolumeThreshold, 1<<30)
	return s
}

// Configure applies s to circuit name in hystrix-go's registry; zero or
// negative fields take the DefaultSettings value (never hystrix-go's own
// defaults). It may be called again on a configuration refresh; see Settings
// for what applies live.
func Configure(name string, s Settings) {
	d := DefaultSettings()
	if s.Timeout <= 0 {
		s.Timeout = d.Timeout
	}
	if s.SleepWindow <= 0 {
		s.SleepWindow = d.SleepWindow
	}
	if s.MaxConcurrentRequests <= 0 {
		s.MaxConcurrentRequests = d.MaxConcurrentRequests
	}
	if s.ErrorPercentThreshold <= 0 || s.ErrorPercentThreshold > 100 {
		s.ErrorPercentThreshold = d.ErrorPercentThreshold
	}
	if s.RequestVolumeThreshold <= 0 {
		s.RequestVolumeThreshold = d.RequestVolumeThreshold
	}
	hystrix.ConfigureCommand(name, hystrix.CommandConfig{
		Timeout:                millis(s.Timeout),
		MaxConcurrentRequests:  s.MaxConcurrentRequests,
		RequestVolumeThreshold: s.RequestVolumeThreshold,
		SleepWindow:            millis(s.SleepWindow),
		ErrorPercentThreshold:  s.ErrorPercentThreshold,
	})
}

// millis rounds d up to whole milliseconds, at least 1.
func millis(d time.Duration) int {
	return int(max((d+time.Millisecond-1)/time.Millisecond, 1))
}
