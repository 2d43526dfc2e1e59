package auth

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/awsauthtest"
	"github.com/go-kit/log"
)

// A credential_process helper that prints something besides its JSON makes
// the SDK's error quote the helper's whole output, secret key and token
// included. Neither the gateway's answer, nor health, nor debug info, nor
// the log may carry them: the source's error is summarized and every text
// is redacted. (Before: the 503 no_credentials body, health, debug info and
// the log quoted both.)
func TestASourceErrorQuotingSecretsIsNeverShown(t *testing.T) {
	const (
		secret = "hLfP9xQ2vN7kR4tW8yZ1aB3cD5eF6gH0jK2mN4pQ"
		token  = "IQoJb3JpZ2luX2VjEHelperTokenXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
	)
	creds := fmt.Sprintf(`{"Version":1,"AccessKeyId":"ASIAHELPEREXAMPLE001","SecretAccessKey":%q,"SessionToken":%q}`, secret, token)
	for name, output := range map[string]string{
		"a notice before the JSON": "notice: credentials rotate at midnight\n" + creds,
		"a line after the JSON":    creds + "\nrefreshed\n",
		"the JSON cut short":       creds[:len(creds)-20],
	} {
		t.Run(name, func(t *testing.T) {
			awsauthtest.IsolateEnv(t)
			dir := t.TempDir()
			helper := filepath.Join(dir, "helper.sh")
			if err := os.WriteFile(filepath.Join(dir, "output"), []byte(output), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(helper, []byte("#!/bin/sh\ncat "+filepath.Join(dir, "output")+"\n"), 0o700); err != nil {
				t.Fatal(err)
			}
			configFile := filepath.Join(dir, "config")
			if err := os.WriteFile(configFile, []byte("[profile helper]\ncredential_process = "+helper+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			var logs awsauthtest.SyncBuffer
			opts := testOptions(&exportsLog{})
			opts.Logger = log.NewLogfmtLogger(&logs)
			args := staticArgs("us-east-1")
			args.AccessKeyID, args.SecretAccessKey = "", ""
			args.Profile, args.SharedConfigFile = "helper", configFile
			c, err := New(opts, args)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("POST", prefix+"/aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write", strings.NewReader("samples"))
			r.RemoteAddr, r.Host = "127.0.0.1:40000", "127.0.0.1:12345"
			w := httptest.NewRecorder()
			c.Handler().ServeHTTP(w, r)
			if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "credential_process printed something other than the JSON the SDK expects") {
				t.Fatalf("gateway answered %d %q, want 503 naming the helper's output", w.Code, w.Body.String())
			}
			texts := map[string]string{
				"the gateway's answer": w.Body.String(),
				"health":               c.CurrentHealth().Message,
				"debug info":           fmt.Sprintf("%+v", c.DebugInfo()),
				"the log":              logs.String(),
			}
			if !strings.Contains(texts["health"], "credential_process printed") {
				t.Errorf("health %q does not say what the helper did", texts["health"])
			}
			for where, text := range texts {
				for _, s := range []string{secret, token, secret[:16], token[30:60]} {
					if strings.Contains(text, s) {
						t.Errorf("%s carries a secret: %s", where, text)
					}
				}
			}
		})
	}
}
