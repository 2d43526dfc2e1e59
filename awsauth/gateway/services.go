package gateway

import "net/http"

// DefaultServices are the services the gateway signs for unless
// gateway { services } says otherwise: those that receive telemetry.
//
//	aps          Amazon Managed Service for Prometheus: remote_write
//	logs         CloudWatch Logs: the OTLP logs endpoint
//	xray         X-Ray: the OTLP traces endpoint, PutTraceSegments
//	monitoring   CloudWatch: the OTLP metrics endpoint
//	es           OpenSearch Service domains: bulk and document writes
//	aoss         OpenSearch Serverless collections: bulk and document writes
//	osis         OpenSearch Ingestion pipelines: their ingestion paths
//	execute-api  API Gateway: a Loki (or any receiver) behind it
var DefaultServices = []string{"aps", "logs", "xray", "monitoring", "es", "aoss", "osis", "execute-api"}

// ForbiddenServices are never signed for, even when listed: with them a
// local client could mint or read credentials and secrets
// (sts:GetSessionToken, secretsmanager:GetSecretValue, ...) or change who
// may do what (iam).
//
// Besides those, the APIs that hand out a password or token for another
// system: ecr and ecr-public (GetAuthorizationToken), codeartifact
// (GetAuthorizationToken), redshift, redshift-serverless and
// redshift-data (GetClusterCredentials, GetCredentials), cognito-identity
// (GetCredentialsForIdentity), cognito-idp, rds-db (IAM database
// authentication) and lightsail (GetRelationalDatabaseMasterUserPassword).
var ForbiddenServices = []string{"sts", "iam", "sso", "sso-oauth", "signin", "kms", "secretsmanager", "ssm", "rolesanywhere",
	"ecr", "ecr-public", "codeartifact", "redshift", "redshift-serverless", "redshift-data", "cognito-identity", "cognito-idp", "rds-db", "lightsail"}

// DefaultMethods are what remote_write, loki.write and OpenSearch bulk
// writers send.
var DefaultMethods = []string{http.MethodPost, http.MethodPut}
