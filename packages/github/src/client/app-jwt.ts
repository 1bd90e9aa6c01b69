import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { GithubError } from '../github-error.ts';

/**
 * The app's own JWT (RS256), per GitHub's rules: `iat` 60 s in the past against clock drift,
 * `exp` at most 10 minutes ahead (we take 9), `iss` the app id. Default `now`: the clock.
 * Throws GithubError `github_app_key_invalid` for a key that is not an RSA private key.
 */
export async function githubAppJwt(appId: number | string, privateKeyPem: string, now: Date = new Date()): Promise<string> {
  const key = rsaPrivateKey(privateKeyPem);
  const seconds = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(String(appId))
    .setIssuedAt(seconds - 60)
    .setExpirationTime(seconds + 9 * 60)
    .sign(key);
}

function rsaPrivateKey(pem: string): KeyObject {
  let key: KeyObject | undefined;
  try {
    // node:crypto reads PKCS#1 (`BEGIN RSA PRIVATE KEY`, as GitHub hands keys out) and PKCS#8 alike;
    // jose's importPKCS8 would refuse GitHub's file.
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // The parser's message is about the key's bytes: not kept. The refusal says what to fix.
    key = undefined;
  }
  if (key?.asymmetricKeyType !== 'rsa') throw new GithubError('github_app_key_invalid');
  return key;
}
