import { Duration, Fn, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { encryptedLogGroup } from './log-group.ts';
import { SubnetGroup } from './network.ts';
import { Settings } from './settings.ts';

interface DatabaseProps {
  vpc: ec2.IVpc;
  key: kms.IKey;
  /** Lower-case name the cluster identifier is built from, so its log group can be created (encrypted) first. */
  name: string;
}

// Generated passwords go into URLs (DATABASE_URL, REMIT_DATABASE_APP_URL), so nothing that
// needs percent-encoding may appear in them; 40 alphanumerics are still ~238 bits.
const urlSafePassword = { excludePunctuation: true, includeSpace: false, passwordLength: 40 } as const;

/**
 * Aurora PostgreSQL Serverless v2 under the stack's key, with deletion protection and 35 days
 * of point-in-time recovery. Two logins, each in its own secret outside the secret store's
 * prefix: the schema owner (migrations only) and remit_app (every request; owns nothing).
 */
export class Database extends Construct {
  readonly cluster: rds.DatabaseCluster;
  readonly securityGroup: ec2.SecurityGroup;
  /** remit_app's generated password; the migrations task sets it on the role. */
  readonly appLogin: secretsmanager.Secret;
  /** `postgres://remit_owner:…@host:port/remit`: DATABASE_URL for the migrations task only. */
  readonly ownerUrl: secretsmanager.Secret;
  /** `postgres://remit_app:…@host:port/remit`: REMIT_DATABASE_APP_URL for the service and the migrations. */
  readonly appUrl: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_6 });
    const clusterIdentifier = `${props.name}-db`;
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Aurora: PostgreSQL from the service security group only',
      allowAllOutbound: false,
    });
    // RDS writes to this exact name; creating it first puts it under the key and the 90-day retention.
    const logGroup = encryptedLogGroup(this, 'PostgresLogs', props.key, `/aws/rds/cluster/${clusterIdentifier}/postgresql`);

    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine,
      clusterIdentifier,
      credentials: rds.Credentials.fromGeneratedSecret(Settings.ownerLogin, {
        secretName: 'remit-db/owner',
        encryptionKey: props.key,
        excludeCharacters: ' %+~`#$&*()|[]{}:;<>?!\'/@"\\^=,.-_',
      }),
      defaultDatabaseName: Settings.databaseName,
      port: Settings.databasePort,
      writer: rds.ClusterInstance.serverlessV2('Writer', { enablePerformanceInsights: true, performanceInsightEncryptionKey: props.key }),
      readers: [
        rds.ClusterInstance.serverlessV2('Reader', { scaleWithWriter: true, enablePerformanceInsights: true, performanceInsightEncryptionKey: props.key }),
      ],
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: 8,
      vpc: props.vpc,
      vpcSubnets: { subnetGroupName: SubnetGroup.data },
      securityGroups: [this.securityGroup],
      storageEncrypted: true,
      storageEncryptionKey: props.key,
      deletionProtection: true,
      // Point-in-time recovery to any second within the retention window (35 days is Aurora's maximum).
      backup: { retention: Duration.days(35), preferredWindow: '03:00-04:00' },
      copyTagsToSnapshot: true,
      cloudwatchLogsExports: ['postgresql'],
      parameterGroup: new rds.ParameterGroup(this, 'Parameters', {
        engine,
        // The URLs say sslmode=verify-full; the server refuses anything that is not TLS anyway.
        parameters: { 'rds.force_ssl': '1', log_connections: '1', log_disconnections: '1' },
      }),
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    this.cluster.node.addDependency(logGroup);

    this.appLogin = new secretsmanager.Secret(this, 'AppLogin', {
      secretName: 'remit-db/app',
      description: 'Password of remit_app, the request login; the migrations task sets it',
      encryptionKey: props.key,
      generateSecretString: { ...urlSafePassword, secretStringTemplate: JSON.stringify({ username: Settings.appLogin }), generateStringKey: 'password' },
    });
    const ownerSecret = this.cluster.secret;
    if (!ownerSecret) throw new Error('the cluster has no owner secret');
    this.ownerUrl = this.urlSecret('OwnerUrl', 'remit-db/owner-url', Settings.ownerLogin, ownerSecret, props.key);
    this.appUrl = this.urlSecret('AppUrl', 'remit-db/app-url', Settings.appLogin, this.appLogin, props.key);
  }

  /**
   * A secret holding a whole connection URL, so the app reads DATABASE_URL and
   * REMIT_DATABASE_APP_URL as it does everywhere else. The password is a CloudFormation
   * dynamic reference, resolved by CloudFormation at deploy time: it never appears in the
   * template. (A rotated password must be followed by a redeploy; see docs/deploy-aws.md.)
   */
  private urlSecret(id: string, secretName: string, login: string, passwordSecret: secretsmanager.ISecret, key: kms.IKey) {
    const password = SecretValue.secretsManager(passwordSecret.secretArn, { jsonField: 'password' }).unsafeUnwrap();
    const host = this.cluster.clusterEndpoint.hostname;
    const url = Fn.join('', [
      'postgresql://',
      login,
      ':',
      password,
      '@',
      host,
      ':',
      String(Settings.databasePort),
      '/',
      Settings.databaseName,
      '?sslmode=verify-full',
    ]);
    return new secretsmanager.Secret(this, id, {
      secretName,
      description: `Connection URL of ${login}`,
      encryptionKey: key,
      secretStringValue: SecretValue.unsafePlainText(url),
    });
  }
}
