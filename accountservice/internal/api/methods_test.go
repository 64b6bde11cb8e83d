package api_test

import (
	"testing"

	"github.com/goblog/common/server/methodtest"
)

// TestMethods: every route with every method follows RFC 9110's method
// rules (server.ApplyMethodRules), the table saying what each path allows.
func TestMethods(t *testing.T) {
	f := newFixture(t)
	methodtest.Run(t, f.router, f.routes, []methodtest.Route{
		{Template: "/accounts/{id}", Path: "/accounts/10000", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/accounts", Path: "/accounts", Allow: "POST, OPTIONS"},
		{Template: "/health", Path: "/health", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/metrics", Path: "/metrics", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/info", Path: "/info", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/testability/healthy/{state}", Path: "/testability/healthy/true", Allow: "GET, HEAD, OPTIONS"},
	})
}
