package bearer_test

import (
	"strings"
	"testing"
	"time"

	"github.com/goblog/common/bearer"
	"github.com/goblog/common/config"
)

func TestReadSettings(t *testing.T) {
	for _, c := range []struct {
		name    string
		src     map[string]any
		want    bearer.Settings
		wantErr []string // each a line of the error
	}{
		{"absent: off, Spring's skew", nil, bearer.Settings{ClockSkew: bearer.DefaultClockSkew}, nil},
		{"required with its key source", map[string]any{
			"auth_required": true, "auth_issuer": "https://localhost:8765/auth", "auth_jwks_url": "http://auth-server:9999/oauth2/jwks",
			"auth_audience": "goblog", "auth_clock_skew": "10s",
		}, bearer.Settings{Required: true, Issuer: "https://localhost:8765/auth", JWKSURL: "http://auth-server:9999/oauth2/jwks", Audience: "goblog", ClockSkew: 10 * time.Second}, nil},
		{"required without issuer or JWKS: both named", map[string]any{"auth_required": "yes"}, bearer.Settings{Required: true, ClockSkew: bearer.DefaultClockSkew},
			[]string{"auth_issuer", "auth_jwks_url"}},
		{"every bad value listed", map[string]any{
			"auth_required": "maybe", "auth_jwks_url": "ftp://x", "auth_clock_skew": "1h",
		}, bearer.Settings{}, []string{"auth_required", "auth_jwks_url", "auth_clock_skew"}},
		{"a bad JWKS URL is named once when required", map[string]any{
			"auth_required": true, "auth_issuer": "https://i", "auth_jwks_url": "not a url",
		}, bearer.Settings{Required: true, Issuer: "https://i", ClockSkew: bearer.DefaultClockSkew}, []string{"auth_jwks_url"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap := config.Merge([]config.PropertySource{{Name: "test", Source: c.src}})
			r := config.NewReader(snap)
			got := bearer.ReadSettings(r, snap)
			err := r.Err()
			if len(c.wantErr) == 0 {
				if err != nil || got != c.want {
					t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; want one naming %v", c.wantErr)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(c.wantErr) {
				t.Fatalf("error %q: want %d lines naming %v", err, len(c.wantErr), c.wantErr)
			}
			for i, key := range c.wantErr {
				if !strings.Contains(lines[i], key) {
					t.Errorf("line %d %q does not name %s", i, lines[i], key)
				}
			}
			if c.want.Required && got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}
