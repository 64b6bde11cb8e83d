package bus

import "testing"

func TestMatchDestination(t *testing.T) {
	const id = "accountservice:dev:6767"
	cases := []struct {
		pattern, serviceID string
		want               bool
	}{
		// Everything.
		{"", id, true},
		{"   ", id, true},
		{"**", id, true},
		{"**", "vipservice", true},
		{"*", id, true}, // "*" → "*:**"

		// app:** and the bare app name.
		{"accountservice:**", id, true},
		{"accountservice", id, true},
		{"accountservice:**", "accountservice", true}, // ** matches zero segments
		{"accountservice", "accountservice2:dev:6767", false},
		{"accountservice:**", "accountservice2:dev:6767", false},
		{"accountservice2:**", id, false},
		{"account:**", id, false},
		{"vipservice:**", id, false},
		{"vipservice", id, false},
		{"Accountservice:**", id, false}, // case-sensitive, like Spring

		// app:profile and app:profile:**.
		{"accountservice:dev", id, true},
		{"accountservice:dev:**", id, true},
		{"accountservice:swarm", id, false},
		{"accountservice:swarm:**", id, false},
		{"accountservice:dev:**", "accountservice", false},

		// Exact ids.
		{id, id, true},
		{"accountservice:dev:6768", id, false},
		{"accountservice:dev:6767:extra", id, false},
		{"accountservice:dev:6767:**", id, true},
		{"accountservice:dev:676", id, false},

		// * and ? within a segment.
		{"*service:**", id, true},
		{"*service:**", "vipservice:swarm:6868", true},
		{"*service:**", "configserver", false},
		{"account*:**", id, true},
		{"*count*:**", id, true},
		{"accountservice:*:6767", id, true},
		{"accountservice:*:6868", id, false},
		{"accountservice:d?v:*", id, true},
		{"accountservice:??:*", id, false},
		{"accountservice:???:????", id, true},
		{"a?countservice", id, true},
		{"accountservice:{profile}:6767", id, true},
		{"accountservice.*:**", id, false}, // '.' is literal, not a regex

		// ** in the middle and at the start.
		{"**:6767", id, true},
		{"**:6868", id, false},
		{"**:dev:**", id, true},
		{"**:swarm:**", id, false},
		{"accountservice:**:6767", id, true},
		{"accountservice:**:dev:6767", id, true}, // ** as zero segments
		{"accountservice:**:**:6767", id, true},
		{"**:accountservice:dev:6767", id, true},
		{"**:dev", id, true},       // one ':' → "**:dev:**"
		{"**:dev:6868", id, false}, // two ':' are kept as they are
		{"**:swarm:6767", id, false},
		{"accountservice:**:swarm", id, false},

		// Several profiles in the service id (DefaultBusPathMatcher).
		{"accountservice:swarm:**", "accountservice:dev,swarm:6767", true},
		{"accountservice:dev", "accountservice:dev,swarm:6767", true},
		{"accountservice:prod:**", "accountservice:dev,swarm:6767", false},
		{"vipservice:swarm:**", "accountservice:dev,swarm:6767", false},

		// Separator edge cases, as AntPathMatcher treats them.
		{"accountservice::dev:6767", id, true}, // empty segments are dropped
		{":accountservice:**", id, false},      // leading separator must agree
		{"accountservice:dev:6767:", id, false},
	}
	for _, c := range cases {
		if got := MatchDestination(c.pattern, c.serviceID); got != c.want {
			t.Errorf("MatchDestination(%q, %q) = %v, want %v", c.pattern, c.serviceID, got, c.want)
		}
	}
}

func TestServiceID(t *testing.T) {
	if got := ServiceID("accountservice", "dev", 6767); got != "accountservice:dev:6767" {
		t.Fatalf("ServiceID = %q", got)
	}
}

func FuzzMatchDestination(f *testing.F) {
	for _, s := range []string{"**", "accountservice:**", "*service:d?v:{p}", "a:**:b:**:c", "{a{b}c}:\\{", ""} {
		f.Add(s, "accountservice:dev:6767")
	}
	f.Fuzz(func(t *testing.T, pattern, id string) {
		got := MatchDestination(pattern, id)
		if pattern == "**" && !got {
			t.Fatalf("** must match %q", id)
		}
		if id == pattern && id != "" && !got && !containsWildcard(pattern) &&
			len(tokenize(id)) > 2 && !hasEdgeSeparators(id) {
			t.Fatalf("exact id %q did not match itself", id)
		}
	})
}

func containsWildcard(s string) bool {
	for _, r := range s {
		if r == '*' || r == '?' || r == '{' || r == '}' {
			return true
		}
	}
	return false
}

func hasEdgeSeparators(s string) bool {
	return s[0] == ':' || s[len(s)-1] == ':'
}
