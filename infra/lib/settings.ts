/**
 * Fixed choices of the stack, named once. Values an operator picks per deployment are
 * CloudFormation parameters (parameters.ts); these change only with a code review.
 */
export const Settings = {
  /** The API's container port; the ALB forwards HTTPS to it over the VPC. */
  apiPort: 8080,
  /** Where the sandbox gateway in the worker listens for sandboxes dialling out (TLS). */
  sandboxGatewayPort: 8443,
  /** Aurora PostgreSQL's port; the default, admitted only from the service security group. */
  databasePort: 5432,
  databaseName: 'remit',
  /** The schema owner: migrations only (DATABASE_URL). */
  ownerLogin: 'remit_owner',
  /** The request login the migrations create (packages/db/src/sql.ts APP_ROLE). */
  appLogin: 'remit_app',
  /**
   * The Secrets Manager name prefix the service's secret store may use. The database logins
   * live outside it (`remit-db/…`), so the store's grant cannot read the owner's password.
   */
  secretStorePrefix: 'remit/store/',
} as const;
