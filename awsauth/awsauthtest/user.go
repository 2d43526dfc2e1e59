package awsauthtest

// The test kit's long-term IAM user and a role in another account, written
// as AWS's documentation writes its examples.
const (
	UserKeyID  = "AKIAIOSFODNN7EXAMPLE"
	UserSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	UserARN    = "arn:aws:iam::111122223333:user/agent"
	RoleARN    = "arn:aws:iam::444455556666:role/telemetry-writer"
)

// User is that user's key, for a Keyring or StartSTS.
var User = Key{AccessKeyID: UserKeyID, SecretAccessKey: UserSecret, ARN: UserARN, Account: "111122223333", UserID: "AIDAEXAMPLEUSERID"}
