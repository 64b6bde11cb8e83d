package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goblog/common/bearer"
	"github.com/goblog/common/bearer/bearertest"
	"github.com/goblog/common/servicetest"
)

// TestBadConfigurationStopsTheStart: a value of the wrong type is not
// silently replaced by its default; the binary exits 1 and says which key,
// which value and what was expected, for every bad key at once.
func TestBadConfigurationStopsTheStart(t *testing.T) {
	bin, dir := buildService(t)
	cfgDir := writeConfigRepo(t, filepath.Join(dir, "config-repo"), map[string]any{
		"server_port":        "abc",
		"bolt_path":          filepath.Join(dir, "accounts.db"),
		"quotes_service_url": "quotes-service:8080",
		"auth_required":      true, // with nothing to check tokens against
	})
	cmd := exec.Command(bin, "-profile", "durability", "-configDir", cfgDir, "-configAttempts", "1")
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("exit: %v; want status 1\n%s", err, out)
	}
	for _, want := range []string{
		`config: server_port: \"abc\" is not an integer`,
		`config: quotes_service_url: \"quotes-service:8080\" is not an http or https URL with a host`,
		`config: auth_issuer: \"\" is not the token issuer's URL (auth_required is true)`,
		`config: auth_jwks_url: \"\" is not the authorization server's JWKS URL (auth_required is true)`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

// TestTokensAreChecked: the binary with auth_required checks tokens against
// a real JWKS over HTTP, and the token of a read reaches imageservice.
func TestTokensAreChecked(t *testing.T) {
	bin, dir := buildService(t)
	iss := bearertest.NewIssuer(t)
	relayed := make(chan string, 1)
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case relayed <- r.Header.Get("Authorization"):
		default:
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"url":"http://imageservice:7777/file/cake.jpg","servedBy":"fake"}`)
	}))
	defer images.Close()

	port, streamPort := servicetest.FreePort(t), servicetest.FreePort(t)
	cfgDir := writeConfigRepo(t, filepath.Join(dir, "config-repo"), map[string]any{
		"server_port":         port,
		"hystrix_stream_port": streamPort,
		"bolt_path":           filepath.Join(dir, "accounts.db"),
		"amqp_server_url":     "",
		"zipkin_server_url":   "",
		"quotes_service_url":  "",
		"imageservice_url":    images.URL + "/accounts/",
		"auth_required":       true,
		"auth_issuer":         iss.Issuer,
		"auth_jwks_url":       iss.JWKSURL,
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	startService(t, bin, []string{"-profile", "durability", "-configDir", cfgDir, "-configAttempts", "1"}, base)

	get := func(auth string) *http.Response {
		req, err := http.NewRequest(http.MethodGet, base+"/accounts/10000", nil)
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp
	}
	if resp := get(""); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer realm="goblog"` {
		t.Errorf("without a token: %d %q; want 401 with the Bearer challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	token := iss.Token(t, bearer.ScopeRead)
	if resp := get("Bearer " + token); resp.StatusCode != http.StatusOK {
		t.Fatalf("with a read token: %d; want 200", resp.StatusCode)
	}
	select { // the read asked imageservice before it answered
	case got := <-relayed:
		if got != "Bearer "+token {
			t.Errorf("imageservice got Authorization %q; want the caller's token", got)
		}
	default:
		t.Error("the read did not ask imageservice")
	}
}
