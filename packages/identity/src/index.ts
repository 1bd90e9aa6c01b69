export { createTokenVerifier, toPrincipal, type TokenVerifier } from './token-verifier.ts';
export { remoteJwks } from './remote-jwks.ts';
export { loadOrCreateDevIssuer } from './dev-issuer.ts';
