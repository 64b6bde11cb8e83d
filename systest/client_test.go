package systest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestWithTopLevelKey(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"replaced", "server_port: 6767\nlog_level: info\n", "server_port: 6767\nlog_level: debug\n"},
		{"appended", "server_port: 6767\n", "server_port: 6767\nlog_level: debug\n"},
		{"nested key of the same name left alone", "logging:\n  log_level: info\n", "logging:\n  log_level: info\nlog_level: debug\n"},
		{"no final newline", "log_level: warn", "log_level: debug\n"},
	}
	for _, tc := range tests {
		if got := string(WithTopLevelKey([]byte(tc.in), "log_level", "debug")); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRedacted(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"password hidden", "http://operator:s3cret@localhost:7979/zipkin", "http://operator:xxxxx@localhost:7979/zipkin"},
		{"query kept", "http://operator:s3cret@localhost:7979/proxy.stream?origin=http%3A%2F%2Fturbine%3A8282", "http://operator:xxxxx@localhost:7979/proxy.stream?origin=http%3A%2F%2Fturbine%3A8282"},
		{"no user info", "http://localhost:9411", "http://localhost:9411"},
		{"unparsable", "http://operator:s3cret@[::1", "(unparsable URL)"},
	}
	for _, tc := range tests {
		if got := Redacted(tc.in); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

// A URL's user info reaches the server as HTTP basic authentication, and a
// refusal names the URL without the password.
func TestGetJSONSendsUserInfoAsBasicAuthAndNeverPrintsThePassword(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "operator" || p != "s3cret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="goblog operator"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`["edge-server"]`))
	}))
	defer srv.Close()
	withLogin := strings.Replace(srv.URL, "http://", "http://operator:s3cret@", 1)
	wrong := strings.Replace(srv.URL, "http://", "http://operator:wrong@", 1)

	var services []string
	if err := GetJSON(withLogin+"/api/v2/services", &services); err != nil || len(services) != 1 {
		t.Fatalf("with the login: %v, %v", services, err)
	}
	err := GetJSON(wrong+"/api/v2/services", &services)
	if err == nil || !strings.Contains(err.Error(), "status 401") {
		t.Fatalf("with a wrong password: got %v, want a 401", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the error shows the password: %v", err)
	}
	_, err = WaitForStreamEvent(wrong+"/turbine.stream", 5*time.Second, func(HystrixEvent) bool { return true })
	if err == nil || strings.Contains(err.Error(), "wrong") {
		t.Errorf("stream with a wrong password: got %v, want a 401 without the password", err)
	}
}
