//go:build landscape

package integration

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goblog/systest"
)

// The client the suite's requests get tokens as (the landscape's edge, Go services and
// quotes-service check them, as on Swarm).
var (
	clientID         = env("LANDSCAPE_CLIENT_ID", "goblog-machine")
	clientSecretFile = env("LANDSCAPE_CLIENT_SECRET_FILE", filepath.Join(rootDir, ".secrets", "auth_client_secret_"+clientID))
)

func TestMain(m *testing.M) {
	if err := authorize(); err != nil {
		fmt.Fprintf(os.Stderr, "integration: %v\n", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// authorize makes every request of the suite to the edge and to the services carry an access
// token: the client credentials grant through the edge (/oauth2/token, the auth-server behind it),
// renewed before it expires, added by the default transport, which every client of the suite and
// of systest uses, to requests that have no Authorization header of their own.
func authorize() error {
	secret, err := os.ReadFile(clientSecretFile)
	if err != nil {
		return fmt.Errorf("the client secret of %s (LANDSCAPE_CLIENT_SECRET_FILE): %w (scripts/landscape.sh up makes it)", clientID, err)
	}
	var hosts []string
	for _, raw := range []string{edgeURL, accountserviceURL, vipserviceURL, quotesURL, imageserviceURL} {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("%s: %w", raw, err)
		}
		hosts = append(hosts, u.Host)
	}
	base := http.DefaultTransport
	tokens := systest.EdgeTokens(context.Background(), base, edgeURL, clientID, strings.TrimSpace(string(secret)),
		"account:read", "account:write")
	http.DefaultTransport = systest.Bearer(base, tokens, hosts...)
	return nil
}
