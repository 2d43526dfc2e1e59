package flagset

import (
	"flag"
	"io"
	"slices"
	"testing"
)

func TestFlagsAnywhere(t *testing.T) {
	for _, c := range []struct {
		args       []string
		positional []string
		addr       string
		write      bool
	}{
		{[]string{"config.river"}, []string{"config.river"}, "", false},
		{[]string{"--addr", "127.0.0.1:1", "config.river"}, []string{"config.river"}, "127.0.0.1:1", false},
		{[]string{"config.river", "--addr=127.0.0.1:2"}, []string{"config.river"}, "127.0.0.1:2", false},
		{[]string{"a.river", "-w", "b.river", "--addr", "x"}, []string{"a.river", "b.river"}, "x", true},
		{[]string{"-w", "--", "--addr", "-w"}, []string{"--addr", "-w"}, "", true},
		{nil, nil, "", false},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		addr := fs.String("addr", "", "")
		write := fs.Bool("w", false, "")
		got, err := Parse(fs, c.args)
		if err != nil || !slices.Equal(got, c.positional) || *addr != c.addr || *write != c.write {
			t.Errorf("%q: positional %q addr %q w %v err %v", c.args, got, *addr, *write, err)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := Parse(fs, []string{"config.river", "--no-such-flag"}); err == nil {
		t.Error("an unknown flag after the positional argument was accepted")
	}
}
