package circuit

import (
	"errors"
	"fmt"
	"math"
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

// CheckedValues is the configuration SettingsFromChecked reads;
// *config.Snapshot implements it. IntE returns def and nil for an absent key,
// and an error naming the key for a value that is not an integer.
type CheckedValues interface {
	IntE(key string, def int) (int, error)
}

// maxMillis is the largest number of milliseconds a time.Duration holds.
const maxMillis = math.MaxInt64 / int64(time.Millisecond)

// SettingsFromChecked reads the settings of circuit name from the keys
// hystrix.command.<name>.<Timeout|MaxConcurrentRequests|ErrorPercentThreshold|RequestVolumeThreshold|SleepWindow>
// (durations in milliseconds, as Spring Cloud Netflix writes them; an absent
// key keeps the default). Every present value that is not an integer or is
// out of range is an error naming its key, and the errors are joined. The ranges: Timeout and
// SleepWindow a positive number of milliseconds, MaxConcurrentRequests 1 to
// 2^20, ErrorPercentThreshold 1 to 100 (0 would open the circuit on every
// window, and Configure reads 0 as "unset"), RequestVolumeThreshold 1 to 2^30.
// With an error, the settings hold the default for each rejected key: a
// service should fail at start and, on a refresh, keep the settings it has.
func SettingsFromChecked(v CheckedValues, name string) (Settings, error) {
	s := DefaultSettings()
	prefix := "hystrix.command." + name + "."
	var errs []error
	read := func(key string, def, lower, upper int64, want string) int64 {
		n, err := v.IntE(prefix+key, int(def))
		if err != nil {
			errs = append(errs, err)
			return def
		}
		if int64(n) < lower || int64(n) > upper {
			errs = append(errs, fmt.Errorf("config: %s%s: \"%d\" is not %s", prefix, key, n, want))
			return def
		}
		return int64(n)
	}
	ms := func(key string, def time.Duration) time.Duration {
		n := read(key, def.Milliseconds(), 1, maxMillis, "a positive number of milliseconds")
		return time.Duration(n) * time.Millisecond
	}
	count := func(key string, def, upper int, want string) int {
		return int(read(key, int64(def), 1, int64(upper), want))
	}
	s.Timeout = ms("Timeout", s.Timeout)
	s.MaxConcurrentRequests = count("MaxConcurrentRequests", s.MaxConcurrentRequests, 1<<20, "a number of requests from 1 to 1048576")
	s.ErrorPercentThreshold = count("ErrorPercentThreshold", s.ErrorPercentThreshold, 100, "a percentage from 1 to 100")
	s.RequestVolumeThreshold = count("RequestVolumeThreshold", s.RequestVolumeThreshold, 1<<30, "a number of requests from 1 to 1073741824")
	s.SleepWindow = ms("SleepWindow", s.SleepWindow)
	return s, errors.Join(errs...)
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

// Applied returns the settings in effect for circuit name, as the last
// Configure (or the first Get, with DefaultSettings) left them, and whether
// the circuit is known at all.
func Applied(name string) (Settings, bool) {
	cs, ok := hystrix.GetCircuitSettings()[name]
	if !ok {
		return Settings{}, false
	}
	return Settings{
		Timeout:                cs.Timeout,
		MaxConcurrentRequests:  cs.MaxConcurrentRequests,
		ErrorPercentThreshold:  cs.ErrorPercentThreshold,
		RequestVolumeThreshold: int(cs.RequestVolumeThreshold),
		SleepWindow:            cs.SleepWindow,
	}, true
}

// SetLogger sends the breakers' own messages (a circuit opening or closing)
// to printf, e.g. a logrus entry's Warnf; they are dropped by default. The
// logger is process-wide, like the circuits: set it once, at start.
func SetLogger(printf func(format string, args ...any)) {
	hystrix.SetLogger(printfLogger(printf))
}

// printfLogger is the logger interface hystrix-go wants.
type printfLogger func(format string, args ...any)

func (f printfLogger) Printf(format string, args ...any) { f(format, args...) }

// millis rounds d up to whole milliseconds, at least 1.
func millis(d time.Duration) int {
	return int(max((d+time.Millisecond-1)/time.Millisecond, 1))
}
