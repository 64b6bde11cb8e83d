package accountid

import (
	"strconv"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"10000", 10000, true},
		{"0", 0, true},
		{"18446744073709551615", 18446744073709551615, true},
		{"18446744073709551616", 0, false},
		{"", 0, false},
		{"010000", 0, false},
		{"00", 0, false},
		{"+10000", 0, false},
		{"-1", 0, false},
		{"10 000", 0, false},
		{" 10000", 0, false},
		{"abc", 0, false},
		{"1e4", 0, false},
		{"10000x", 0, false},
		{"１２", 0, false}, // full-width digits
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.ok && (err != nil || got != tt.want) {
			t.Errorf("Parse(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
		if !tt.ok && err == nil {
			t.Errorf("Parse(%q) = %d; want an error", tt.in, got)
		}
	}
}

// FuzzParse: Parse never panics, and what it accepts is exactly the decimal
// form of the number it returns.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"10000", "0", "010000", "18446744073709551616", "-1", "１２"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		if back := strconv.FormatUint(n, 10); back != s {
			t.Fatalf("Parse(%q) = %d, whose canonical form is %q", s, n, back)
		}
	})
}
