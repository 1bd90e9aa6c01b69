export { createTokenVerifier, TokenAlgorithm, type TokenVerifier, type TokenVerifierOptions } from './token-verifier.ts';
export { InvalidTokenReason } from './invalid-token.ts';
export { remoteJwks } from './remote-jwks.ts';
export { DEV_ISSUER, loadOrCreateDevIssuer, type DevIssuer, type DevTokenClaims } from './dev-issuer.ts';
