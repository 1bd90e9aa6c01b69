// The CDK app's entry point (cdk.json). The single-tenant AWS stack — network, Aurora, Secrets
// Manager with KMS, ECS Fargate sandboxes behind the egress proxy, S3 audit export with Object
// Lock, cdk-nag — is built by the AWS deployment issue; until then `cdk synth` says so plainly.
process.stderr.write('remit: the AWS stack is not in this release yet; run locally with bin/remit serve (see README).\n');
process.exit(1);
