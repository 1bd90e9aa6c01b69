/**
 * Makes the AWS SDK's default credential chain find nothing on this machine, through `stub`
 * (vitest's `vi.stubEnv`, undone after the test): no keys, profile, web identity or container
 * credentials, config files that do not exist, and never the EC2 metadata address.
 */
export function stubNoAwsCredentials(stub: (name: string, value: string | undefined) => unknown): void {
  for (const name of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_PROFILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  ])
    stub(name, undefined);
  stub('AWS_CONFIG_FILE', '/nonexistent/remit-test-aws-config');
  stub('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/remit-test-aws-credentials');
  stub('AWS_EC2_METADATA_DISABLED', 'true');
}
