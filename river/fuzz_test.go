package river

import (
	"testing"

	"github.com/grafana/river"
)

// Decoding arbitrary River never panics, and what decodes converts.
func FuzzArguments(f *testing.F) {
	for _, seed := range []string{
		`region = "us-east-1"`,
		"access_key_id = \"AKIAIOSFODNN7EXAMPLE\"\nsecret_access_key = \"s\"\nrole_arn = \"arn:aws:iam::123456789012:role/x\"\nexternal_id = \"e-1\"",
		"gateway {\n allowed_hosts = [\"a.b\"]\n max_body_size = \"1KiB\"\n}",
		"http_client_config {\n proxy_url = \"http://127.0.0.1:3128\"\n timeout = \"5s\"\n}",
		"assume_role_duration = \"1h\"\nexpiry_window = \"-1s\"",
		`region = env("AWS_REGION")`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		var a Arguments
		if err := river.Unmarshal(text, &a); err != nil {
			return
		}
		if _, _, err := a.Convert(); err != nil && err.Error() == "" {
			t.Fatal("an error without a message")
		}
	})
}
