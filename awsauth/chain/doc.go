// Package chain resolves AWS credentials from the sources the AWS SDKs
// use, in their order — static keys, the environment, a web identity
// token (IRSA), a shared profile, the ECS or EKS Pod Identity container
// endpoint, EC2 IMDSv2 — and assumes role_arn with what it found. Package
// source reads each source's inputs (through the SDK's EnvConfig) and
// returns the SDK's provider; what is the chain's own is the order, the
// walk that says why each source was passed over, and the rule that a
// source whose inputs are present but broken fails the refresh instead of
// falling through to the next (a broken IRSA setup never ends on the
// node's instance role).
//
// A Chain does not cache: wrap it in a cache.Cache.
//
// # Where credentials come from
//
// A refresh walks the sources below in this order. A source whose inputs are
// absent is skipped (and the reason recorded); the first source whose inputs
// are present is used, and if it fails the refresh fails with that source's
// error: a misconfigured web identity never silently falls through to the
// node's instance profile.
//
//  1. static: access_key_id and secret_access_key (and session_token) of the Config.
//  2. environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN).
//  3. web identity (IRSA): web_identity_token_file or AWS_WEB_IDENTITY_TOKEN_FILE, with
//     the role from AWS_ROLE_ARN, or from role_arn when AWS_ROLE_ARN is unset (then
//     role_arn is assumed with the token and not assumed a second time).
//  4. shared profile: profile, else AWS_PROFILE, else "default", in the shared credentials
//     and config files: static keys, credential_process, SSO, source_profile/role_arn and
//     credential_source, all as the SDK resolves them. The files are re-read on every
//     refresh, so rewritten keys are picked up without a restart.
//  5. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (ECS) or
//     AWS_CONTAINER_CREDENTIALS_FULL_URI (EKS Pod Identity) with
//     AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN.
//  6. EC2 instance metadata (IMDSv2), unless AWS_EC2_METADATA_DISABLED=true; the endpoint
//     comes from AWS_EC2_METADATA_SERVICE_ENDPOINT when set.
//
// When role_arn is set (and was not used by the web identity source), the
// credentials found are then used to call sts:AssumeRole with external_id,
// session_name and assume_role_duration, against sts_endpoint (or
// AWS_ENDPOINT_URL_STS, or the regional endpoint of sts_region).
package chain
