// Package iam writes the IAM policies a configuration needs, from the
// gateway's table of telemetry operations: for each request a downstream
// component sends, the operation's action on the narrowest resource its
// URL and headers name (Grant); the identity policy of those grants
// (Identity); the base identity's AssumeRole step (AssumeRole); and the
// role's trust policy for where the agent runs (Trust).
//
// The same grants explain an AccessDenied: what was refused, and the
// statement that allows it.
package iam
