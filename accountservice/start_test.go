package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
