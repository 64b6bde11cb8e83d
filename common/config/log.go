package config

import (
	"github.com/sirupsen/logrus"
)

// RejectRefresh logs a warning for each error of err (a Reader's Err: one
// per invalid key, joined), naming its key: the refreshed value was invalid
// and the last good one stays in effect. A nil err logs nothing.
func RejectRefresh(log logrus.FieldLogger, err error) {
	if err == nil {
		return
	}
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		entry := log.WithError(e)
		if key := keyOf(e); key != "" {
			entry = entry.WithField("key", key)
		}
		entry.Warn("refresh: invalid value rejected, keeping the last good one")
	}
}
