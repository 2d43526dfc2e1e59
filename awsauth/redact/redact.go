package redact

import "strings"

// marker replaces what is removed.
const marker = "(secret)"

// Shapes of AWS secrets, as runs of the base64 alphabet they are written
// in: a secret access key is 40 characters; a session token is hundreds
// (the shortest STS hands out are well over 100).
const (
	secretKeyLen    = 40
	minSessionToken = 100
)

// Text returns s without the given secrets (those shorter than eight
// characters are ignored: they would match by chance) and without any run
// of the base64 alphabet that is 40 characters long or 100 and more.
func Text(s string, secrets ...string) string {
	for _, secret := range secrets {
		if len(secret) >= 8 {
			s = strings.ReplaceAll(s, secret, marker)
		}
	}
	if !hasLongRun(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if !inAlphabet(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && inAlphabet(s[j]) {
			j++
		}
		// base64's '=' padding ends a token; inside a run it separates a
		// name from its value (aws_secret_access_key=KEY, SecretAccessKey=KEY).
		k := j
		for k < len(s) && s[k] == '=' {
			k++
		}
		if run := j - i; run == secretKeyLen || run >= minSessionToken {
			b.WriteString(marker)
		} else {
			b.WriteString(s[i:k])
		}
		i = k
	}
	return b.String()
}

func hasLongRun(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if inAlphabet(s[i]) {
			if run++; run >= secretKeyLen {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// inAlphabet: the characters of secret keys and tokens (base64, without
// its '=' padding, which only ends a token).
func inAlphabet(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}
