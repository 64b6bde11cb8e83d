package config

import (
	"flag"
	"io"
	"testing"
)

func TestLabelFlag(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"none: the server's default", nil, ""},
		{"-configLabel, Spring's name", []string{"-configLabel", "release"}, "release"},
		{"-configBranch, the alias", []string{"-configBranch", "main"}, "main"},
		{"both: the last one wins", []string{"-configBranch", "main", "-configLabel", "release"}, "release"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("svc", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			f := RegisterFlags(fs)
			if err := fs.Parse(append([]string{"-configServerUrl", "http://configserver:8888", "-profile", "dev"}, tt.args...)); err != nil {
				t.Fatal(err)
			}
			if f.Label != tt.want {
				t.Errorf("Label = %q; want %q", f.Label, tt.want)
			}
			want := "accountservice/dev"
			if tt.want != "" {
				want += "/" + tt.want
			}
			if got := f.Loader("accountservice", nil).(*remoteLoader).target(); got != want {
				t.Errorf("config server path = %q; want %q", got, want)
			}
		})
	}
}
