package bearer

import (
	"errors"
	"time"

	"github.com/goblog/common/config"
)

// The configuration keys of token checking, the same in every service; each
// is read at start only (a change needs a restart).
const (
	// RequiredKey switches token checking on (true) or off (false, the
	// default, announced by a warning at start).
	RequiredKey = "auth_required"
	// IssuerKey is the exact "iss" every token must carry (RFC 7519 §4.1.1).
	IssuerKey = "auth_issuer"
	// JWKSURLKey is the authorization server's JSON Web Key Set (RFC 7517 §5).
	JWKSURLKey = "auth_jwks_url"
	// AudienceKey, when set, must be one of the token's "aud" (RFC 7519 §4.1.3).
	AudienceKey = "auth_audience"
	// ClockSkewKey is the leeway on "exp", "nbf" and "iat".
	ClockSkewKey = "auth_clock_skew"
)

// Defaults and bounds of auth_clock_skew.
const (
	// DefaultClockSkew is Spring Security's JwtTimestampValidator default.
	DefaultClockSkew = 60 * time.Second
	// MaxClockSkew keeps an expired token from living on for long.
	MaxClockSkew = 5 * time.Minute
)

// Settings are what token checking reads from the configuration.
type Settings struct {
	// Required: every route outside the open paths needs a valid token.
	Required bool
	// Issuer is compared with "iss" exactly, as RFC 7519 §4.1.1 says.
	Issuer string
	// JWKSURL is where the signing keys are fetched (http or https).
	JWKSURL string
	// Audience, when not empty, must be among the token's "aud".
	Audience string
	// ClockSkew is the leeway on the time claims.
	ClockSkew time.Duration
}

// ReadSettings reads the auth_* keys of snap, recording each invalid value
// in r, so that a service's start lists them with its other bad keys. With
// auth_required true, auth_issuer and auth_jwks_url must be set: a service
// told to check tokens with nothing to check them against does not start.
func ReadSettings(r *config.Reader, snap *config.Snapshot) Settings {
	var s Settings
	r.Bool(&s.Required, RequiredKey, false)
	r.String(&s.Issuer, IssuerKey, "")
	r.URL(&s.JWKSURL, JWKSURLKey, "", "http", "https")
	r.String(&s.Audience, AudienceKey, "")
	if d, err := snap.DurationE(ClockSkewKey, DefaultClockSkew); r.Check(err) {
		if d < 0 || d > MaxClockSkew {
			r.Check(&config.ValueError{Key: ClockSkewKey, Value: d.String(), Want: "a duration from 0s to " + MaxClockSkew.String()})
		} else {
			s.ClockSkew = d
		}
	}
	if s.Required {
		if s.Issuer == "" {
			r.Check(&config.ValueError{Key: IssuerKey, Value: "", Want: "the token issuer's URL (auth_required is true)"})
		}
		if s.JWKSURL == "" && snap.String(JWKSURLKey, "") == "" {
			r.Check(&config.ValueError{Key: JWKSURLKey, Value: "", Want: "the authorization server's JWKS URL (auth_required is true)"})
		}
	}
	return s
}

// Fields is the settings under their keys, for a service's Fields.
func (s Settings) Fields() map[string]any {
	return map[string]any{
		RequiredKey:  s.Required,
		IssuerKey:    s.Issuer,
		JWKSURLKey:   s.JWKSURL,
		AudienceKey:  s.Audience,
		ClockSkewKey: s.ClockSkew.String(),
	}
}

// errNoKeySource is New's answer to Settings that require tokens without
// saying where keys come from (ReadSettings lets none through).
var errNoKeySource = errors.New("bearer: tokens required but " + IssuerKey + " or " + JWKSURLKey + " is empty")
