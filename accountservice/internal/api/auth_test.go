package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/api"
	"github.com/goblog/common/bearer"
	"github.com/goblog/common/bearer/bearertest"
)

func TestTokens(t *testing.T) {
	Convey("Given accountservice requiring tokens of a real authorization server", t, func() {
		iss := bearertest.NewIssuer(t)
		log := logrus.New()
		log.Out = io.Discard
		guard, err := bearer.New(context.Background(), iss.Settings(), api.AuthRules(), log)
		So(err, ShouldBeNil)
		defer guard.Close()
		f := newFixture(t, withAuth(guard.Middleware))

		Convey("a read token reads an account, and the same token reaches imageservice and quotes-service", func() {
			token := iss.Token(t, bearer.ScopeRead)
			rec := f.do("GET", "/accounts/10000", nil, "Authorization", "Bearer "+token)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(f.images.auth.Load(), ShouldEqual, "Bearer "+token)
			So(f.quotes.auth.Load(), ShouldEqual, "Bearer "+token)
		})
		Convey("no token: 401 with the challenge, and nothing reaches the store or downstream", func() {
			rec := f.do("GET", "/accounts/10000", nil)
			So(rec.Code, ShouldEqual, http.StatusUnauthorized)
			So(rec.Header().Get("WWW-Authenticate"), ShouldEqual, `Bearer realm="goblog"`)
			So(f.images.hits.Load(), ShouldEqual, 0)
		})
		Convey("a read-only token cannot create an account: 403, nothing stored", func() {
			rec := f.do("POST", "/accounts", strings.NewReader(`{"name":"Mallory"}`),
				"Content-Type", "application/json", "Authorization", "Bearer "+iss.Token(t, bearer.ScopeRead))
			So(rec.Code, ShouldEqual, http.StatusForbidden)
			So(rec.Header().Get("WWW-Authenticate"), ShouldContainSubstring, `scope="account:write"`)
		})
		Convey("a path the router reads as /accounts gets /accounts's rule, however it is spelled", func() {
			for _, target := range []string{"/%61ccounts", "//accounts", "/accounts/../accounts", "/./accounts"} {
				rec := f.do("POST", target, strings.NewReader(`{"name":"Mallory"}`),
					"Content-Type", "application/json", "Authorization", "Bearer "+iss.Token(t, bearer.ScopeRead))
				So(rec.Code, ShouldBeIn, http.StatusForbidden, http.StatusMovedPermanently) // refused, or redirected to /accounts
			}
		})
		Convey("a write token creates one", func() {
			rec := f.do("POST", "/accounts", strings.NewReader(`{"name":"Ada"}`),
				"Content-Type", "application/json", "Authorization", "Bearer "+iss.Token(t, bearer.ScopeWrite))
			So(rec.Code, ShouldEqual, http.StatusCreated)
		})
		Convey("every route has a scope rule, is open, or is the token-only test hook", func() {
			bearertest.CheckRules(t, f.routes, api.AuthRules(), "GET /testability/healthy/{state}")
		})
		Convey("/health and /info stay open", func() {
			So(f.do("GET", "/health", nil).Code, ShouldEqual, http.StatusOK)
			So(f.do("GET", "/info", nil).Code, ShouldEqual, http.StatusOK)
		})
	})
}
