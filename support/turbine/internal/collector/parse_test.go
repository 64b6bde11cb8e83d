package collector

import (
	"strings"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

func TestParseCluster(t *testing.T) {
	Convey("ParseCluster", t, func() {
		for _, tc := range []struct {
			spec string
			want Cluster
		}{
			{"accountservice=accountservice:8181", Cluster{"accountservice", []Target{{"accountservice", "8181"}}}},
			{"local=localhost:8181", Cluster{"local", []Target{{"localhost", "8181"}}}},
			{"accountservice:8181", Cluster{"accountservice", []Target{{"accountservice", "8181"}}}},
			{" two = a:1 , [::1]:2 ", Cluster{"two", []Target{{"a", "1"}, {"::1", "2"}}}},
		} {
			got, err := ParseCluster(tc.spec)
			So(err, ShouldBeNil)
			So(got, ShouldResemble, tc.want)
		}
		for _, bad := range []string{"", "x=", "x=host", "x=:8181", "x=host:http", "x=host:0", "x=host:70000"} {
			_, err := ParseCluster(bad)
			So(err, ShouldNotBeNil)
		}
	})
}

func TestReadEvents(t *testing.T) {
	Convey("readEvents hands over each event's data", t, func() {
		for _, tc := range []struct {
			name, in string
			want     []string
		}{
			{"hystrix-go style", "data:{\"a\":1}\n\ndata:{\"b\":2}\n\n", []string{`{"a":1}`, `{"b":2}`}},
			{"space after colon, CRLF", "data: {\"a\":1}\r\n\r\n", []string{`{"a":1}`}},
			{"comments and other fields ignored", ": ping\n\nping: \n\nevent: x\ndata: 1\n\n", []string{"1"}},
			{"multi-line data joined", "data: [1,\ndata: 2]\n\n", []string{"[1,\n2]"}},
			{"unterminated event dropped", "data: 1\n\ndata: 2", []string{"1"}},
		} {
			var got []string
			lines := 0
			err := readEvents(strings.NewReader(tc.in), func() { lines++ }, func(b []byte) { got = append(got, string(b)) })
			So(err, ShouldBeNil)
			So(got, ShouldResemble, tc.want)
			So(lines, ShouldBeGreaterThan, 0)
		}
	})

	Convey("readEvents fails on a line longer than the limit", t, func() {
		err := readEvents(strings.NewReader("data: "+strings.Repeat("x", maxLine+1)+"\n\n"), func() {}, func([]byte) {})
		So(err, ShouldNotBeNil)
	})
}
