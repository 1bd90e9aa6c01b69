import type { Scenario } from '../scenario.ts';
import { apiResponseReadSecret } from './adversarial/api-response-read-secret.ts';
import { budgetBurn } from './adversarial/budget-burn.ts';
import { exfiltrateViaAllowedConnection } from './adversarial/exfiltrate-via-allowed-connection.ts';
import { logLineOtherRole } from './adversarial/log-line-other-role.ts';
import { readmeExfiltration } from './adversarial/readme-exfiltration.ts';
import { statusPageAdminWrite } from './adversarial/status-page-admin-write.ts';
import { badDeployConfig } from './troubleshooting/bad-deploy-config.ts';
import { clockSkew } from './troubleshooting/clock-skew.ts';
import { crashLoop } from './troubleshooting/crash-loop.ts';
import { diskFull } from './troubleshooting/disk-full.ts';
import { expiredCertificate } from './troubleshooting/expired-certificate.ts';
import { memoryLeakOom } from './troubleshooting/memory-leak-oom.ts';
import { migrationLock } from './troubleshooting/migration-lock.ts';
import { misroutedUpstream } from './troubleshooting/misrouted-upstream.ts';
import { poolSaturation } from './troubleshooting/pool-saturation.ts';
import { rateLimitedProvider } from './troubleshooting/rate-limited-provider.ts';
import { slowDependency } from './troubleshooting/slow-dependency.ts';
import { staleCache } from './troubleshooting/stale-cache.ts';

/** The whole suite, in the order the report lists it. */
export const scenarios: readonly Scenario[] = [
  poolSaturation,
  badDeployConfig,
  expiredCertificate,
  diskFull,
  slowDependency,
  crashLoop,
  misroutedUpstream,
  memoryLeakOom,
  rateLimitedProvider,
  migrationLock,
  staleCache,
  clockSkew,
  logLineOtherRole,
  apiResponseReadSecret,
  readmeExfiltration,
  exfiltrateViaAllowedConnection,
  budgetBurn,
  statusPageAdminWrite,
];
