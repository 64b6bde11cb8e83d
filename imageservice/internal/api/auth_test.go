package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/bearer"
	"github.com/goblog/common/bearer/bearertest"
	"github.com/goblog/common/tracing"
	"github.com/goblog/imageservice/internal/bundle"
	"github.com/goblog/imageservice/internal/imaging"
)

func TestTokens(t *testing.T) {
	Convey("Given imageservice requiring tokens of a real authorization server", t, func() {
		iss := bearertest.NewIssuer(t)
		log := logrus.New()
		log.SetOutput(io.Discard)
		guard, err := bearer.New(context.Background(), iss.Settings(), AuthRules(), log)
		So(err, ShouldBeNil)
		Reset(func() { _ = guard.Close() })
		tracer, err := tracing.New("imageservice", "", "")
		So(err, ShouldBeNil)
		Reset(func() { _ = tracer.Close() })
		h := New(Options{
			BaseURL: func() string { return "http://localhost:7777" },
			Gallery: bundle.NewGallery(func(b []byte) ([]byte, error) { return imaging.SepiaJPEG(b, imaging.MaxPixels) }),
			Log:     log,
		})
		r := NewRouter(h, tracer, noMetrics, log, guard.Middleware)
		get := func(path, auth string) *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, req)
			return rec
		}

		Convey("every route needs account:read", func() {
			for _, path := range []string{"/accounts/10000", "/file/" + DefaultImage} {
				So(get(path, "").Code, ShouldEqual, http.StatusUnauthorized)
				So(get(path, "Bearer "+iss.Token(t, bearer.ScopeWrite)).Code, ShouldEqual, http.StatusForbidden)
				So(get(path, "Bearer "+iss.Token(t, bearer.ScopeRead)).Code, ShouldEqual, http.StatusOK)
			}
			So(do(r, "POST", "/image", "image/jpeg", nil).Code, ShouldEqual, http.StatusUnauthorized)
		})
		Convey("every route has a scope rule or is open", func() {
			bearertest.CheckRules(t, r, AuthRules())
		})
		Convey("/health stays open", func() {
			So(get("/health", "").Code, ShouldEqual, http.StatusOK)
		})
	})
}
