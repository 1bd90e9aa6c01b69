import { createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';

/**
 * The app's own JWT (RS256), per GitHub's rules: `iat` 60 s in the past against clock drift,
 * `exp` at most 10 minutes ahead (we take 9), `iss` the app id. Default `now`: the clock.
 * Same approach as `githubAppJwt` in packages/agents/src/connections/github-app.ts.
 */
export async function githubAppJwt(appId: number | string, privateKeyPem: string, now: Date = new Date()): Promise<string> {
  // createPrivateKey reads both PKCS#1 (`BEGIN RSA PRIVATE KEY`, as GitHub hands keys out) and PKCS#8.
  const key = createPrivateKey(privateKeyPem);
  const seconds = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(String(appId))
    .setIssuedAt(seconds - 60)
    .setExpirationTime(seconds + 9 * 60)
    .sign(key);
}
