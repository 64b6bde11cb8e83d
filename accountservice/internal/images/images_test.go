package images_test

import (
	"context"
	"errors"
	"testing"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/downstream/downstreamtest"
	"github.com/goblog/accountservice/internal/images"
)

func TestImage(t *testing.T) {
	ctx := context.Background()
	Convey("Given an images client", t, func() {
		get := &downstreamtest.Getter{Body: `{"url":"http://imageservice:7777/file/cake.jpg","servedBy":"10.0.0.5"}`}
		base := "http://imageservice:7777/accounts/"
		c := images.New(get, func() string { return base }, downstreamtest.QuietLog)

		Convey("a good answer is the image of /accounts/{id}, in circuit imageservice", func() {
			So(c.Image(ctx, "10000"), ShouldResemble, account.Image{URL: "http://imageservice:7777/file/cake.jpg", ServedBy: "10.0.0.5"})
			So(get.Names, ShouldResemble, []string{"imageservice"})
			So(get.URLs, ShouldResemble, []string{"http://imageservice:7777/accounts/10000"})
		})

		Convey("the base URL works without a trailing slash and is read on every call", func() {
			base = "http://localhost:7777/accounts"
			c.Image(ctx, "10001")
			So(get.URLs, ShouldResemble, []string{"http://localhost:7777/accounts/10001"})
		})

		Convey("a failed call falls back to the placeholder", func() {
			get.Err, get.RunFallback = errors.New("timeout"), true
			So(c.Image(ctx, "10000"), ShouldResemble, account.Image{URL: "http://path.to.placeholder", ServedBy: "fallback"})
		})

		Convey("nonsense falls back", func() {
			for _, body := range []string{``, `<html>`, `{"url":""}`, `{"url":"cake.jpg"}`, `{"url":7}`,
				// strictjson's rule: duplicates, invalid UTF-8 and trailing data are refused, not guessed at
				`{"url":"http://a/x.jpg","url":"http://b/y.jpg"}`, "{\"url\":\"http://a/\xff.jpg\"}", `{"url":"http://a/x.jpg"} x`} {
				get.Body = body
				So(c.Image(ctx, "10000"), ShouldResemble, images.Fallback())
			}
		})

		Convey("no URL configured falls back without a call", func() {
			base = ""
			So(c.Image(ctx, "10000"), ShouldResemble, images.Fallback())
			So(get.URLs, ShouldBeEmpty)
		})
	})
}
