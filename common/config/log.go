package config

import "github.com/sirupsen/logrus"

// LogConfig logs msg with every key of snap, secrets masked, and the names of
// its sources; then warns about values the config server did not decrypt,
// which are treated as absent.
func LogConfig(log logrus.FieldLogger, msg string, snap *Snapshot) {
	log.WithFields(logrus.Fields{"config": snap.Masked(), "sources": snap.Sources()}).Info(msg)
	if keys := snap.Undecrypted(); len(keys) > 0 {
		log.WithField("keys", keys).Warn("encrypted values the config server did not decrypt are ignored")
	}
}

// RejectRefresh logs, as a warning naming key, that a refreshed value was
// invalid (err) and the last good one stays in effect.
func RejectRefresh(log logrus.FieldLogger, key string, err error) {
	log.WithField("key", key).WithError(err).Warn("refresh: invalid value rejected, keeping the last good one")
}
