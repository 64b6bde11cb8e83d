package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/bearer"
	"github.com/goblog/common/bearer/bearertest"
	"github.com/goblog/common/tracing"
	"github.com/goblog/vipservice/internal/vip"
)

func TestTokens(t *testing.T) {
	Convey("Given vipservice requiring tokens of a real authorization server", t, func() {
		iss := bearertest.NewIssuer(t)
		log := logrus.New()
		log.SetOutput(io.Discard)
		guard, err := bearer.New(context.Background(), iss.Settings(), AuthRules(), log)
		So(err, ShouldBeNil)
		Reset(func() { _ = guard.Close() })
		tracer, err := tracing.New("vipservice", "", "")
		So(err, ShouldBeNil)
		Reset(func() { _ = tracer.Close() })
		r := NewRouter(tracer, &vip.Stats{}, &fakeBroker{}, 90*time.Second, noMetrics, log, guard.Middleware)
		get := func(path, auth string) int {
			req := httptest.NewRequest("GET", path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			return rec.Code
		}

		Convey("/vip/stats needs account:read", func() {
			So(get("/vip/stats", ""), ShouldEqual, http.StatusUnauthorized)
			So(get("/vip/stats", "Bearer "+iss.Token(t, bearer.ScopeWrite)), ShouldEqual, http.StatusForbidden)
			So(get("/vip/stats", "Bearer "+iss.Token(t, bearer.ScopeRead)), ShouldEqual, http.StatusOK)
		})
		Convey("every route has a scope rule or is open", func() {
			bearertest.CheckRules(t, r, AuthRules())
		})
		Convey("/health and /health/live stay open", func() {
			So(get("/health", ""), ShouldEqual, http.StatusOK)
			So(get("/health/live", ""), ShouldEqual, http.StatusOK)
		})
	})
}
