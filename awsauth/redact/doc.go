// Package redact takes secrets out of text that people read: health,
// debug info, logs and the gateway's answers. It removes the secrets it is
// given and anything shaped like an AWS secret access key or session
// token, so that a secret nobody told it about — one an SDK error quoted
// from a credential helper's output, say — is removed too.
package redact
