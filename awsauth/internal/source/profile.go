package source

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/flow-aws-auth/flow-aws-auth/awsauth/internal/field"
)

// SharedProfile is a profile in the shared credentials and config files.
type SharedProfile struct {
	Name string
	// Chosen names what chose Name, "profile" or "AWS_PROFILE"; empty
	// for the "default" nobody chose, whose absence is no error.
	Chosen                        string
	CredentialsFiles, ConfigFiles []string
	// CABundle is AWS_CA_BUNDLE.
	CABundle string
	// HelperStderr is told what the profile's credential_process writes
	// to its stderr. If nil, that is discarded: it never reaches the
	// agent's own stderr.
	HelperStderr HelperStderr
}

// FromProfile is the profile name (else AWS_PROFILE, else "default") in
// the shared files, resolved as the SDK resolves it (see Provider);
// the credentials are named by the profile.
func FromProfile(name string, credFiles, configFiles []string, client *http.Client, stsRegion string, helperStderr HelperStderr) Source {
	return Source{Name: Profile, Find: func(ctx context.Context, env config.EnvConfig) (Found, error) {
		p := NewSharedProfile(env, name, credFiles, configFiles)
		p.HelperStderr = helperStderr
		provider, skip, err := p.Provider(ctx, client, stsRegion)
		return Found{Provider: provider, Skip: skip, Name: fmt.Sprintf("profile %q", p.Name)}, err
	}}
}

// NewSharedProfile is the profile name (else AWS_PROFILE, else "default")
// in the files given (else AWS_SHARED_CREDENTIALS_FILE and
// AWS_CONFIG_FILE, else the SDK's default files).
func NewSharedProfile(env config.EnvConfig, name string, credFiles, configFiles []string) SharedProfile {
	p := SharedProfile{Name: name, Chosen: "profile", CredentialsFiles: credFiles, ConfigFiles: configFiles, CABundle: env.CustomCABundle}
	if p.Name == "" {
		p.Name, p.Chosen = env.SharedConfigProfile, "AWS_PROFILE"
	}
	if p.Name == "" {
		p.Name, p.Chosen = "default", ""
	}
	if len(p.CredentialsFiles) == 0 {
		p.CredentialsFiles = []string{orDefault(env.SharedCredentialsFile, config.DefaultSharedCredentialsFilename())}
	}
	if len(p.ConfigFiles) == 0 {
		p.ConfigFiles = []string{orDefault(env.SharedConfigFile, config.DefaultSharedConfigFilename())}
	}
	return p
}

func orDefault(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// Files lists the files the profile is looked up in, for messages.
func (p SharedProfile) Files() string {
	return strings.Join(append(append([]string{}, p.CredentialsFiles...), p.ConfigFiles...), ", ")
}

// Load reads the profile from the files, anew on every call: that is how
// rewritten keys are picked up. A missing default profile is not an
// error: absent says so instead.
func (p SharedProfile) Load(ctx context.Context) (sc config.SharedConfig, absent string, err error) {
	sc, err = config.LoadSharedConfigProfile(ctx, p.Name, func(o *config.LoadSharedConfigOptions) {
		o.CredentialsFiles, o.ConfigFiles = p.CredentialsFiles, p.ConfigFiles
	})
	var notExist config.SharedConfigProfileNotExistError
	if errors.As(err, &notExist) {
		missing := fmt.Sprintf("no profile %q in %s", p.Name, p.Files())
		if p.Chosen != "" {
			return sc, "", field.Errorf(p.Chosen, "%s", missing)
		}
		return sc, missing, nil
	}
	var roleErr config.SharedConfigAssumeRoleError
	if errors.As(err, &roleErr) {
		why := "its source_profile chain comes back to a profile already in it"
		if roleErr.Err != nil {
			why = roleErr.Err.Error()
		}
		return sc, "", field.Errorf(orDefault(p.Chosen, "profile"), "profile %q: the role %s cannot be assumed: %s; each source_profile must end at a profile that holds credentials (keys, credential_process, SSO, credential_source)",
			p.Name, roleErr.RoleARN, why)
	}
	return sc, "", err
}

// Provider is the SDK's provider for the profile: static keys,
// credential_process, SSO, source_profile/role_arn and credential_source,
// resolved as the SDK resolves them (a credential_process alone with its
// stderr captured: see processProvider), with STS in stsRegion. Their calls go
// through client, unless a CA bundle (AWS_CA_BUNDLE, or the profile's
// ca_bundle) is set: the SDK adds a bundle only to a client of its own
// making, so then they go through one, bounded by client's timeout. A
// nil client means the SDK's own.
func (p SharedProfile) Provider(ctx context.Context, client *http.Client, stsRegion string) (aws.CredentialsProvider, string, error) {
	sc, absent, err := p.Load(ctx)
	if err != nil || absent != "" {
		return nil, absent, err
	}
	if !holdsCredentials(sc) {
		return nil, fmt.Sprintf("profile %q holds no credentials", sc.Profile), nil
	}
	if usesProcessAlone(sc) {
		return newProcessProvider(sc.CredentialProcess, p.HelperStderr), "", nil
	}
	opts := []func(*config.LoadOptions) error{
		config.WithSharedConfigProfile(sc.Profile),
		config.WithSharedCredentialsFiles(p.CredentialsFiles),
		config.WithSharedConfigFiles(p.ConfigFiles),
	}
	switch {
	case client == nil: // the SDK's own client
	case p.CABundle != "" || sc.CustomCABundle != "":
		opts = append(opts, config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(client.Timeout)))
	default:
		opts = append(opts, config.WithHTTPClient(client))
	}
	if stsRegion != "" {
		opts = append(opts, config.WithRegion(stsRegion))
	}
	// role_arn over a source_profile whose credentials are its
	// credential_process alone: the SDK assumes the role with an STS
	// client of its own over its process provider, which writes the
	// helper's stderr to ours. The assume-role options let the client be
	// ours instead, over our process provider; everything else (region,
	// endpoint, session name, external ID, duration) stays the SDK's.
	var chained *lazySTS
	if sc.Source != nil && sc.Source.Source == nil && usesProcessAlone(*sc.Source) && sc.MFASerial == "" {
		chained = &lazySTS{}
		opts = append(opts, config.WithAssumeRoleCredentialOptions(func(o *stscreds.AssumeRoleOptions) { o.Client = chained }))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, "", err
	}
	if chained != nil {
		base := aws.NewCredentialsCache(newProcessProvider(sc.Source.CredentialProcess, p.HelperStderr))
		chained.client = sts.NewFromConfig(awsCfg, func(o *sts.Options) { o.Credentials = base })
	}
	return awsCfg.Credentials, "", nil
}

// lazySTS is the STS client of a chained profile's AssumeRole, set once
// the SDK's configuration it is built from is loaded.
type lazySTS struct{ client *sts.Client }

func (l *lazySTS) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, opts ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	return l.client.AssumeRole(ctx, in, opts...)
}

func holdsCredentials(sc config.SharedConfig) bool {
	return sc.Credentials.HasKeys() || sc.RoleARN != "" || sc.CredentialProcess != "" ||
		sc.WebIdentityTokenFile != "" || sc.CredentialSource != "" || sc.SSOStartURL != "" ||
		sc.SSOSessionName != "" || sc.SSOAccountID != "" || sc.LoginSession != ""
}
