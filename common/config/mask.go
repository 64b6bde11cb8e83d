package config

import (
	"net/url"
	"strings"
)

// masked replaces a secret in a log line, an error or GET /info.
const masked = "*****"

// RedactURL returns raw with the password of its user info replaced by
// "xxxxx" (url.URL.Redacted), unchanged when it has none, and "*****" when it
// does not parse: the password could not be told apart. Log lines and errors
// show URLs through it.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return masked
	case u.User == nil:
		return raw
	}
	return u.Redacted()
}

// MaskFields returns a copy of fields, a service's settings for the log or
// GET /info, masked as Snapshot.Masked masks a snapshot: string values (in
// nested maps too) of keys that look secret become "*****", and passwords in
// URLs are redacted.
func MaskFields(fields map[string]any) map[string]any {
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		switch t := v.(type) {
		case string:
			out[k] = maskValue(strings.ToLower(k), t)
		case map[string]any:
			out[k] = MaskFields(t)
		default:
			out[k] = v
		}
	}
	return out
}

// maskValue is value of key (lower-cased) for a log line: "*****" when the
// key looks secret (password, secret, token, credential, private key, API
// key), its URL redacted when it holds user info (RedactURL), else value.
func maskValue(key, value string) string {
	for _, word := range []string{"password", "passwd", "secret", "token", "credential", "private", "apikey", "api-key", "api_key"} {
		if strings.Contains(key, word) {
			return masked
		}
	}
	if strings.Contains(value, "://") && strings.Contains(value, "@") {
		return RedactURL(value)
	}
	return value
}
