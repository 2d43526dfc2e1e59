package source

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/field"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/pki"
)

// The argument wins over AWS_PROFILE, which wins over "default"; only a
// profile somebody chose is an error when missing, and the error names
// who chose it.
func TestSharedProfileChoiceAndAbsence(t *testing.T) {
	awsauthtest.IsolateEnv(t)
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	if err := os.WriteFile(creds, []byte("[team]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	files := []string{creds}
	none := []string{filepath.Join(dir, "config")}
	ctx := context.Background()

	env := config.EnvConfig{SharedConfigProfile: "from-env"}
	if p := NewSharedProfile(env, "team", files, none); p.Name != "team" || p.Chosen != "profile" {
		t.Errorf("%+v", p)
	}
	p := NewSharedProfile(env, "", files, none)
	if p.Name != "from-env" || p.Chosen != "AWS_PROFILE" {
		t.Fatalf("%+v", p)
	}
	var fe *field.Error
	if _, _, err := p.Load(ctx); !errors.As(err, &fe) || fe.Field != "AWS_PROFILE" || !strings.Contains(fe.Problem, `no profile "from-env" in `+creds) {
		t.Errorf("chosen and missing: %v", err)
	}
	p = NewSharedProfile(config.EnvConfig{}, "", files, none)
	if _, absent, err := p.Load(ctx); err != nil || !strings.Contains(absent, `no profile "default"`) {
		t.Errorf("default and missing: %q %v", absent, err)
	}
	prov, skip, err := NewSharedProfile(config.EnvConfig{}, "team", files, none).Provider(ctx, &http.Client{}, "us-east-1")
	if err != nil || skip != "" || prov == nil {
		t.Fatalf("%v %q %v", prov, skip, err)
	}
	if c, err := prov.Retrieve(ctx); err != nil || c.AccessKeyID != "AKIAPROFILEEXAMPLE01" {
		t.Errorf("%v %v", c.AccessKeyID, err)
	}
}

// Without arguments, the files come from the environment, else the SDK's
// defaults.
func TestSharedProfileFiles(t *testing.T) {
	env := config.EnvConfig{SharedCredentialsFile: "/etc/aws/credentials"}
	p := NewSharedProfile(env, "", nil, nil)
	if p.CredentialsFiles[0] != "/etc/aws/credentials" || p.ConfigFiles[0] != config.DefaultSharedConfigFilename() {
		t.Errorf("%+v", p)
	}
	if got := p.Files(); got != "/etc/aws/credentials, "+config.DefaultSharedConfigFilename() {
		t.Errorf("%s", got)
	}
}

// A nil client is the SDK's own, with or without a CA bundle.
func TestSharedProfileWithoutAClient(t *testing.T) {
	awsauthtest.IsolateEnv(t)
	creds := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(creds, []byte("[team]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(t.TempDir(), "bundle.pem")
	if err := os.WriteFile(bundle, pki.CertPEM(pki.NewCA("Bundle CA").Cert), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, env := range []config.EnvConfig{{}, {CustomCABundle: bundle}} {
		t.Setenv("AWS_CA_BUNDLE", env.CustomCABundle)
		p := NewSharedProfile(env, "team", []string{creds}, []string{filepath.Join(t.TempDir(), "config")})
		prov, _, err := p.Provider(context.Background(), nil, "us-east-1")
		if err != nil {
			t.Fatalf("bundle %q: %v", env.CustomCABundle, err)
		}
		if c, err := prov.Retrieve(context.Background()); err != nil || c.AccessKeyID != "AKIAPROFILEEXAMPLE01" {
			t.Fatalf("bundle %q: %v %v", env.CustomCABundle, c.AccessKeyID, err)
		}
	}
}

// A source_profile loop is named as one, with what to fix (#32: the SDK
// said "failed to load assume role …, of profile srcloop, <nil>").
func TestSourceProfileLoopIsNamed(t *testing.T) {
	awsauthtest.IsolateEnv(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte("[profile srcloop]\nrole_arn = arn:aws:iam::111122223333:role/a\nsource_profile = other\n\n[profile other]\nrole_arn = arn:aws:iam::111122223333:role/b\nsource_profile = srcloop\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := NewSharedProfile(config.EnvConfig{}, "srcloop", []string{filepath.Join(dir, "credentials")}, []string{cfg})
	_, _, err := p.Provider(context.Background(), nil, "us-east-1")
	if err == nil || !strings.Contains(err.Error(), "source_profile chain comes back") || strings.Contains(err.Error(), "<nil>") || !strings.HasPrefix(err.Error(), "profile: ") {
		t.Fatalf("%v", err)
	}
}
