import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';

/**
 * The IdP's published keys at `url`, cached 10 min, fetched with a 5 s timeout; refetched on an
 * unknown `kid` at most every 30 s, so an attacker's made-up kid cannot make us hammer the IdP.
 */
export function remoteJwks(url: string): JWTVerifyGetKey {
  const keySet = createRemoteJWKSet(new URL(url), {
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
    timeoutDuration: 5_000,
  });
  return async (protectedHeader, token) => {
    try {
      return await keySet(protectedHeader, token);
    } catch (err) {
      if (err instanceof errors.JOSEError) throw err;
      // fetch rejects with a bare TypeError when the IdP is unreachable; say it as jose would
      // for any other failed JWKS fetch, so the verifier reports keys_unavailable.
      throw new errors.JOSEError('JSON Web Key Set request failed', { cause: err });
    }
  };
}
