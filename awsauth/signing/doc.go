// Package signing is the HTTP side of SigV4: a Transport that signs each
// request with the current credentials (as oauth2.Transport adds a token),
// a Retry around it that acts once on ExpiredToken and clock-skew answers
// from AWS itself, the Clock they share, and Stats that count what was
// signed and what AWS answered under labels from fixed sets.
package signing
