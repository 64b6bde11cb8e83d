package images_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/images"
	"github.com/goblog/common/circuit"
)

type fakeGetter struct {
	body        string
	err         error
	runFallback bool
	urls        []string
	names       []string
}

func (f *fakeGetter) Get(ctx context.Context, name, url string, fallback circuit.Fallback) ([]byte, error) {
	f.urls, f.names = append(f.urls, url), append(f.names, name)
	if f.err == nil {
		return []byte(f.body), nil
	}
	if f.runFallback {
		return fallback(ctx, f.err)
	}
	return nil, f.err
}

func quietLog(context.Context) logrus.FieldLogger {
	l := logrus.New()
	l.Out = io.Discard
	return l
}

func TestImage(t *testing.T) {
	ctx := context.Background()
	Convey("Given an images client", t, func() {
		get := &fakeGetter{body: `{"url":"http://imageservice:7777/file/cake.jpg","servedBy":"10.0.0.5"}`}
		base := "http://imageservice:7777/accounts/"
		c := images.New(get, func() string { return base }, quietLog)

		Convey("a good answer is the image of /accounts/{id}, in circuit imageservice", func() {
			So(c.Image(ctx, "10000"), ShouldResemble, account.Image{URL: "http://imageservice:7777/file/cake.jpg", ServedBy: "10.0.0.5"})
			So(get.names, ShouldResemble, []string{"imageservice"})
			So(get.urls, ShouldResemble, []string{"http://imageservice:7777/accounts/10000"})
		})

		Convey("the base URL works without a trailing slash and is read on every call", func() {
			base = "http://localhost:7777/accounts"
			c.Image(ctx, "10001")
			So(get.urls, ShouldResemble, []string{"http://localhost:7777/accounts/10001"})
		})

		Convey("a failed call falls back to the placeholder", func() {
			get.err, get.runFallback = errors.New("timeout"), true
			So(c.Image(ctx, "10000"), ShouldResemble, account.Image{URL: "http://path.to.placeholder", ServedBy: "fallback"})
		})

		Convey("nonsense falls back", func() {
			for _, body := range []string{``, `<html>`, `{"url":""}`, `{"url":"cake.jpg"}`, `{"url":7}`} {
				get.body = body
				So(c.Image(ctx, "10000"), ShouldResemble, images.Fallback())
			}
		})

		Convey("no URL configured falls back without a call", func() {
			base = ""
			So(c.Image(ctx, "10000"), ShouldResemble, images.Fallback())
			So(get.urls, ShouldBeEmpty)
		})
	})
}
