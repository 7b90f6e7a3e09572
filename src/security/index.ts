export { Identity } from './identity.ts';
export {
  OAuth,
  OAuthError,
  OUT_OF_BAND,
  type TokenInfo,
  type IssuedToken,
} from './oauth.ts';
export { scopeAllows, parseScopes, unknownScopes, ALL_SCOPES } from './scopes.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
export { newSecret, safeEqual } from './tokens.ts';
export type * from './ports.ts';
export {
  VerificationCodes,
  codeError,
} from './codes.ts';
export {
  SecondFactors,
  SIGN_IN_PROOF_METHODS,
  isSignInProofMethod,
  type SecondFactorMethod,
} from './second-factors.ts';
export { CodeFailures } from './code-failures.ts';
export {
  PumpingDetector,
  describeAlert,
  windowBucket,
} from './pumping.ts';
export { Authentication, type SignInStep, type SecondFactorProof, type PhoneDirectory } from './authentication.ts';
export { SignUpGate, signUpThrottleLimits } from './sign-up-gate.ts';
export { RegistrationReview, type PendingApplication } from './registrations.ts';
export {
  SecurityMessages,
  SecurityMonitor,
  securityThrottleLimits,
  type Requester,
  type SendEvent,
} from './security-messages.ts';
export { SecretBox } from './secret-box.ts';
export { SignedLinks } from './signed-links.ts';
export { AccountModeration } from './moderation.ts';
export {
  accountActor,
  actorLabel,
  authorize,
  can,
  checkedReason,
  decide,
  operatorActor,
  type AccountAction,
  type Actor,
  type InstanceAction,
} from './permissions.ts';
