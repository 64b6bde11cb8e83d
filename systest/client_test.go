package systest

import "testing"

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
