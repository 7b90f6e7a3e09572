export { Identity, normaliseEmail, checkPasswordStrength, type RegisterInput } from './identity.ts';
export { OAuth, OAuthError, OUT_OF_BAND, pkceChallenge, type TokenInfo, type IssuedToken, type RegisteredApp } from './oauth.ts';
export { scopeAllows, parseScopes, unknownScopes, ALL_SCOPES } from './scopes.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
export { digest, newSecret, safeEqual } from './tokens.ts';
export type * from './ports.ts';
export { VerificationCodes, codeError, CODE_LIFETIME_MS, MAX_CODE_ATTEMPTS, type CodeCheck, type CodeLimits } from './codes.ts';
