package source

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

// A web identity token path that is a directory, or an empty token file,
// is named as such before STS is asked (#32: the SDK said "failed to
// retrieve jwt from provide source", and sent the empty token).
func TestTokenFileProblemsAreNamed(t *testing.T) {
	dir := t.TempDir()
	empty := dir + "/token"
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		dir:                    "is a directory, not a token file",
		empty:                  "is empty",
		dir + "/missing-token": "cannot read the token file",
	} {
		_, err := FromWebIdentity(WebIdentityConfig{TokenFile: file, RoleARN: "arn:aws:iam::111122223333:role/r"}).Find(context.Background(), config.EnvConfig{})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "web_identity_token_file") {
			t.Errorf("%s: %v, want %q", file, err, want)
		}
	}
}
