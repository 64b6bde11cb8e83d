package api

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/goblog/common/server"
	"github.com/goblog/common/tracing"
	"github.com/goblog/imageservice/internal/bundle"
	"github.com/goblog/imageservice/internal/imagetest"
	"github.com/goblog/imageservice/internal/imaging"
	"github.com/gorilla/mux"
	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"
)

// newRouter wires the handler the way main does, with a tracer reporting nowhere.
func newRouter(baseURL string) *mux.Router {
	log := logrus.New()
	log.SetOutput(io.Discard)
	h := New(Options{
		BaseURL:  func() string { return baseURL },
		ServedBy: "10.0.0.7",
		Gallery:  bundle.NewGallery(func(b []byte) ([]byte, error) { return imaging.SepiaJPEG(b, imaging.MaxPixels) }),
		Log:      log,
	})
	tracer, err := tracing.New("imageservice", "", "")
	So(err, ShouldBeNil)
	Reset(func() { _ = tracer.Close() })
	return NewRouter(h, tracer, noMetrics, log)
}

func do(r http.Handler, method, target, contentType string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	return rec
}

// jsonError decodes a {"error": "..."} body, failing on anything else.
func jsonError(rec *httptest.ResponseRecorder) string {
	So(rec.Header().Get("Content-Type"), ShouldStartWith, "application/json")
	var body struct {
		Error string `json:"error"`
	}
	So(json.Unmarshal(rec.Body.Bytes(), &body), ShouldBeNil)
	So(body.Error, ShouldNotBeEmpty)
	return body.Error
}

// decodedJPEG checks a 200 image/jpeg answer and returns the decoded image.
func decodedJPEG(rec *httptest.ResponseRecorder) image.Image {
	So(rec.Code, ShouldEqual, http.StatusOK)
	So(rec.Header().Get("Content-Type"), ShouldEqual, "image/jpeg")
	img, err := jpeg.Decode(bytes.NewReader(rec.Body.Bytes()))
	So(err, ShouldBeNil)
	return img
}

func TestAccountImage(t *testing.T) {
	Convey("Given imageservice with image_base_url http://images:7777/", t, func() {
		r := newRouter("http://images:7777/")

		Convey("GET /accounts/10000 answers the cake URL and the replica address", func() {
			rec := do(r, http.MethodGet, "/accounts/10000", "", nil)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(rec.Header().Get("Content-Type"), ShouldStartWith, "application/json")
			var body map[string]string
			So(json.Unmarshal(rec.Body.Bytes(), &body), ShouldBeNil)
			So(body, ShouldResemble, map[string]string{"url": "http://images:7777/file/cake.jpg", "servedBy": "10.0.0.7"})
		})
		Convey("a malformed account id answers 400 with a JSON error", func() {
			for _, id := range []string{"abc", "-1", "1e5", "10000x", "010000", "18446744073709551616", "%20"} {
				rec := do(r, http.MethodGet, "/accounts/"+id, "", nil)
				So(rec.Code, ShouldEqual, http.StatusBadRequest)
				So(jsonError(rec), ShouldContainSubstring, "account id")
			}
		})
		Convey("GET /health answers UP", func() {
			rec := do(r, http.MethodGet, "/health", "", nil)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(rec.Body.String(), ShouldContainSubstring, `"UP"`)
		})
		Convey("an unknown path answers 404, a wrong method 405 and a method no route has 501, all JSON", func() {
			rec := do(r, http.MethodGet, "/nothing", "", nil)
			So(rec.Code, ShouldEqual, http.StatusNotFound)
			jsonError(rec)
			rec = do(r, http.MethodPost, "/accounts/10000", "", nil)
			So(rec.Code, ShouldEqual, http.StatusMethodNotAllowed)
			jsonError(rec)
			rec = do(r, http.MethodDelete, "/accounts/10000", "", nil)
			So(rec.Code, ShouldEqual, http.StatusNotImplemented)
			jsonError(rec)
		})
	})
}

func TestFile(t *testing.T) {
	Convey("Given imageservice", t, func() {
		r := newRouter("http://localhost:7777")

		Convey("GET /file/cake.jpg answers a sepia JPEG of the bundled cake, the same every time", func() {
			first := do(r, http.MethodGet, "/file/cake.jpg", "", nil)
			img := decodedJPEG(first)
			So(img.Bounds(), ShouldResemble, image.Rect(0, 0, 320, 240))
			again := do(r, http.MethodGet, "/file/cake.jpg", "", nil)
			So(bytes.Equal(again.Body.Bytes(), first.Body.Bytes()), ShouldBeTrue)
		})
		Convey("every bundled image is served", func() {
			for _, name := range bundle.Names() {
				decodedJPEG(do(r, http.MethodGet, "/file/"+name, "", nil))
			}
		})
		Convey("an unknown name answers 404 with a JSON error", func() {
			rec := do(r, http.MethodGet, "/file/pie.jpg", "", nil)
			So(rec.Code, ShouldEqual, http.StatusNotFound)
			So(jsonError(rec), ShouldContainSubstring, "pie.jpg")
		})
		Convey("path traversal never leaves the bundle: every attempt ends in a JSON 404", func() {
			srv := httptest.NewServer(r) // a real client follows mux's clean-path redirects
			defer srv.Close()
			for _, p := range []string{
				"/file/../main.go", "/file/..%2Fmain.go", "/file/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
				"/file/..%2F..%2F..%2F..%2Fetc%2Fpasswd", "/file/assets%2Fcake.jpg", "/file/..%5Capi.go",
				"/file/cake.jpg%00", "/file/%2Fetc%2Fpasswd", "/file/..", "/file/",
			} {
				resp, err := http.Get(srv.URL + p)
				So(err, ShouldBeNil)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				So(resp.StatusCode, ShouldEqual, http.StatusNotFound)
				So(resp.Header.Get("Content-Type"), ShouldStartWith, "application/json")
				So(string(body), ShouldContainSubstring, `"error"`)
			}
		})
	})
}

func multipartBody(parts ...[3]string) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts { // field name, file name, content
		h := textproto.MIMEHeader{}
		disp := `form-data; name="` + p[0] + `"`
		if p[1] != "" {
			disp += `; filename="` + p[1] + `"`
		}
		h.Set("Content-Disposition", disp)
		w, _ := mw.CreatePart(h)
		_, _ = w.Write([]byte(p[2]))
	}
	_ = mw.Close()
	return mw.FormDataContentType(), &buf
}

func TestPostImage(t *testing.T) {
	Convey("Given imageservice", t, func() {
		r := newRouter("http://localhost:7777")
		png := imagetest.PNG(t, 48, 32)
		jpg := imagetest.JPEG(t, 48, 32)

		Convey("a raw PNG or JPEG body answers a sepia JPEG with the same bounds", func() {
			for ct, body := range map[string][]byte{"image/png": png, "image/jpeg": jpg} {
				img := decodedJPEG(do(r, http.MethodPost, "/image", ct, bytes.NewReader(body)))
				So(img.Bounds(), ShouldResemble, image.Rect(0, 0, 48, 32))
			}
		})
		Convey("a multipart form: the part named file is used", func() {
			ct, body := multipartBody([3]string{"note", "", "hello"}, [3]string{"other", "o.txt", "not an image"},
				[3]string{"file", "pic.png", string(png)})
			img := decodedJPEG(do(r, http.MethodPost, "/image", ct, body))
			So(img.Bounds().Dx(), ShouldEqual, 48)
		})
		Convey("a multipart form without a file field: the first file part is used", func() {
			ct, body := multipartBody([3]string{"note", "", "hello"}, [3]string{"upload", "pic.jpg", string(jpg)},
				[3]string{"upload2", "b.txt", "ignored"})
			decodedJPEG(do(r, http.MethodPost, "/image", ct, body))
		})
		Convey("a multipart form without any file answers 400", func() {
			ct, body := multipartBody([3]string{"note", "", "hello"})
			rec := do(r, http.MethodPost, "/image", ct, body)
			So(rec.Code, ShouldEqual, http.StatusBadRequest)
			So(jsonError(rec), ShouldContainSubstring, "file")
		})
		Convey("a truncated JPEG answers 400 with a JSON error", func() {
			rec := do(r, http.MethodPost, "/image", "image/jpeg", bytes.NewReader(jpg[:len(jpg)/2]))
			So(rec.Code, ShouldEqual, http.StatusBadRequest)
			jsonError(rec)
		})
		Convey("a GIF, text or an empty body answers 400", func() {
			for _, body := range []string{"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "not an image", ""} {
				rec := do(r, http.MethodPost, "/image", "image/png", strings.NewReader(body))
				So(rec.Code, ShouldEqual, http.StatusBadRequest)
				jsonError(rec)
			}
		})
		Convey("a PNG header claiming 100000x100000 pixels answers 413 before decoding", func() {
			rec := do(r, http.MethodPost, "/image", "image/png", bytes.NewReader(imagetest.PNGHeader(100000, 100000)))
			So(rec.Code, ShouldEqual, http.StatusRequestEntityTooLarge)
			So(jsonError(rec), ShouldContainSubstring, "100000x100000")
		})
		Convey("a body over 10 MiB answers 413, raw or in a form", func() {
			big := io.LimitReader(zeros{}, MaxBodyBytes+1)
			rec := do(r, http.MethodPost, "/image", "image/jpeg", big)
			So(rec.Code, ShouldEqual, http.StatusRequestEntityTooLarge)
			jsonError(rec)

			ct, body := multipartBody([3]string{"file", "big.jpg", strings.Repeat("x", MaxBodyBytes)})
			rec = do(r, http.MethodPost, "/image", ct, body)
			So(rec.Code, ShouldEqual, http.StatusRequestEntityTooLarge)
			jsonError(rec)
		})
		Convey("another content type answers 415", func() {
			for _, ct := range []string{"text/plain", "application/octet-stream", "", "image/"} {
				rec := do(r, http.MethodPost, "/image", ct, bytes.NewReader(png))
				So(rec.Code, ShouldEqual, http.StatusUnsupportedMediaType)
				jsonError(rec)
			}
		})
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestPanicGuard(t *testing.T) {
	Convey("Given a gallery whose filter panics", t, func() {
		log := logrus.New()
		log.SetOutput(io.Discard)
		h := New(Options{
			BaseURL:  func() string { return "http://localhost:7777" },
			ServedBy: "10.0.0.7",
			Gallery:  bundle.NewGallery(func([]byte) ([]byte, error) { panic("filter bug") }),
			Log:      log,
		})
		tracer, err := tracing.New("imageservice", "", "")
		So(err, ShouldBeNil)
		Reset(func() { _ = tracer.Close() })
		r := NewRouter(h, tracer, noMetrics, log)

		Convey("the request answers a JSON 500 and the service keeps serving", func() {
			rec := do(r, http.MethodGet, "/file/cake.jpg", "", nil)
			So(rec.Code, ShouldEqual, http.StatusInternalServerError)
			jsonError(rec)
			So(do(r, http.MethodGet, "/accounts/10000", "", nil).Code, ShouldEqual, http.StatusOK)
		})
	})
}

// newUploadHandler is a handler with the given memory budget and wait, and its router.
func newUploadHandler(budget int64, wait time.Duration) (*Handler, *mux.Router) {
	log := logrus.New()
	log.SetOutput(io.Discard)
	h := New(Options{
		BaseURL:       func() string { return "http://localhost:7777" },
		Gallery:       bundle.NewGallery(func(b []byte) ([]byte, error) { return imaging.SepiaJPEG(b, imaging.MaxPixels) }),
		Log:           log,
		MemoryBudget:  budget,
		AdmissionWait: wait,
	})
	tracer, err := tracing.New("imageservice", "", "")
	So(err, ShouldBeNil)
	Reset(func() { _ = tracer.Close() })
	return h, NewRouter(h, tracer, noMetrics, log)
}

func TestUploadAdmission(t *testing.T) {
	Convey("Given an upload whose job needs a known amount of memory", t, func() {
		png := imagetest.PNG(t, 800, 600)
		header, err := imaging.ReadHeader(png, imaging.MaxPixels)
		So(err, ShouldBeNil)
		bodyCost := int64(len(png) + bytes.MinRead)

		Convey("with the budget taken by another job, it answers 503, Retry-After and a JSON error", func() {
			h, r := newUploadHandler(header.Cost+bodyCost, time.Millisecond)
			held, err := h.memory.Reserve(context.Background(), header.Cost)
			So(err, ShouldBeNil)
			rec := do(r, http.MethodPost, "/image", "image/png", bytes.NewReader(png))
			So(rec.Code, ShouldEqual, http.StatusServiceUnavailable)
			So(rec.Header().Get("Retry-After"), ShouldEqual, "1")
			So(jsonError(rec), ShouldContainSubstring, "800x600 png")

			held.Release()
			decodedJPEG(do(r, http.MethodPost, "/image", "image/png", bytes.NewReader(png)))
		})
		Convey("a client that goes away while it waits for memory is logged as 499, not 200", func() {
			log, hook := test.NewNullLogger()
			h := New(Options{Log: log, MemoryBudget: header.Cost + bodyCost, AdmissionWait: time.Hour,
				Gallery: bundle.NewGallery(func(b []byte) ([]byte, error) { return b, nil })})
			tracer, err := tracing.New("imageservice", "", "")
			So(err, ShouldBeNil)
			Reset(func() { _ = tracer.Close() })
			held, err := h.memory.Reserve(context.Background(), header.Cost+bodyCost)
			So(err, ShouldBeNil)
			defer held.Release()

			ctx, cancel := context.WithCancel(context.Background())
			cancel() // the client has gone; the wait is for an hour
			req := httptest.NewRequest(http.MethodPost, "/image", bytes.NewReader(png)).WithContext(ctx)
			req.Header.Set("Content-Type", "image/png")
			NewRouter(h, tracer, noMetrics, log).ServeHTTP(httptest.NewRecorder(), req)

			var statuses []any
			for _, e := range hook.AllEntries() {
				if e.Message == "request" {
					statuses = append(statuses, e.Data["status"])
				}
			}
			So(statuses, ShouldResemble, []any{server.StatusClientClosedRequest})
		})
		Convey("with a budget too small for it ever, it answers 413 naming the budget", func() {
			_, r := newUploadHandler(header.Cost, time.Hour)
			rec := do(r, http.MethodPost, "/image", "image/png", bytes.NewReader(png))
			So(rec.Code, ShouldEqual, http.StatusRequestEntityTooLarge)
			So(jsonError(rec), ShouldContainSubstring, "budget")
		})
		Convey("a body that cannot be reserved is not read: 503 before the image is looked at", func() {
			h, r := newUploadHandler(MaxBodyBytes*2, time.Millisecond)
			_, err := h.memory.Reserve(context.Background(), MaxBodyBytes*2-100)
			So(err, ShouldBeNil)
			rec := do(r, http.MethodPost, "/image", "image/png", strings.NewReader("not even an image"))
			So(rec.Code, ShouldEqual, http.StatusServiceUnavailable)
			So(jsonError(rec), ShouldContainSubstring, "reading the upload")
		})
		Convey("memory is given back: after every answer, the whole budget is free", func() {
			h, r := newUploadHandler(header.Cost+bodyCost, time.Millisecond)
			decodedJPEG(do(r, http.MethodPost, "/image", "image/png", bytes.NewReader(png)))
			So(do(r, http.MethodPost, "/image", "image/png", strings.NewReader("junk")).Code, ShouldEqual, http.StatusBadRequest)
			all, err := h.memory.Reserve(context.Background(), h.memory.Budget())
			So(err, ShouldBeNil)
			all.Release()
		})
	})

	Convey("Given 12 concurrent uploads of the same image and room for two at a time", t, func() {
		png := imagetest.PNG(t, 800, 600)
		header, err := imaging.ReadHeader(png, imaging.MaxPixels)
		So(err, ShouldBeNil)
		_, r := newUploadHandler(2*(header.Cost+int64(len(png))+bytes.MinRead), 50*time.Millisecond)
		srv := httptest.NewServer(r)
		defer srv.Close()

		codes := make(chan int, 12)
		for range 12 {
			go func() {
				resp, err := http.Post(srv.URL+"/image", "image/png", bytes.NewReader(png))
				if err != nil {
					codes <- 0
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes <- resp.StatusCode
			}()
		}
		count := map[int]int{}
		for range 12 {
			count[<-codes]++
		}
		Convey("every answer is 200 or 503, and some are 200", func() {
			So(count[http.StatusOK]+count[http.StatusServiceUnavailable], ShouldEqual, 12)
			So(count[http.StatusOK], ShouldBeGreaterThan, 0)
		})
	})
}
