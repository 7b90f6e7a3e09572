export { Identity, normaliseEmail, checkPasswordStrength, type RegisterInput } from './identity.ts';
export {
  OAuth,
  OAuthError,
  OUT_OF_BAND,
  pkceChallenge,
  type TokenInfo,
  type IssuedToken,
  type RegisteredApp,
} from './oauth.ts';
export { scopeAllows, parseScopes, unknownScopes, ALL_SCOPES } from './scopes.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
export { digest, newSecret, safeEqual } from './tokens.ts';
export type * from './ports.ts';
export {
  VerificationCodes,
  codeError,
  CODE_LIFETIME_MS,
  MAX_CODE_ATTEMPTS,
  type CodeCheck,
  type CodeLimits,
} from './codes.ts';
export {
  SecondFactors,
  RECOVERY_CODE_COUNT,
  SIGN_IN_PROOF_METHODS,
  isSignInProofMethod,
  type SecondFactorMethod,
  type SignInProofMethod,
  type FactorSummary,
  type WebAuthnRelyingParty,
} from './second-factors.ts';
export {
  CodeFailures,
  type CodeFailurePolicy,
  type CodeSubjects,
  type CodesLocked,
} from './code-failures.ts';
export {
  PumpingDetector,
  describeAlert,
  windowBucket,
  type FloodPolicy,
} from './pumping.ts';
export { Authentication, type SignInStep, type SecondFactorProof, type PhoneDirectory } from './authentication.ts';
export {
  SecurityMessages,
  SecurityMonitor,
  securityThrottleLimits,
  numberPrefix,
  type CodeAudience,
  type PhoneTarget,
  type Requester,
  type SendOutcome,
  type SendEvent,
} from './security-messages.ts';
export { SecretBox } from './secret-box.ts';
export type { SessionMeta } from './oauth.ts';
export { SignedLinks } from './signed-links.ts';
export { AccountModeration, type ModerationDeps } from './moderation.ts';
export {
  accountActor,
  actorLabel,
  authorize,
  can,
  checkedReason,
  decide,
  operatorActor,
  type AccountAction,
  type Acting,
  type Action,
  type Actor,
  type Decision,
  type InstanceAction,
} from './permissions.ts';
