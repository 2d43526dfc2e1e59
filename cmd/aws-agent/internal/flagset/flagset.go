// Package flagset parses a command's flags wherever they stand among its
// positional arguments, as the upstream agent's commands (cobra) do:
// `aws-agent run config.river --server.http.listen-addr=…` works like
// `aws-agent run --server.http.listen-addr=… config.river`.
package flagset

import "flag"

// Parse parses args with fs, flags before, between or after the positional
// arguments, which it returns in order. After "--" everything is positional.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}
