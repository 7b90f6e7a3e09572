export { ContactPoints, type ContactPointView } from './service.ts';
export { consentedSource } from './consented-source.ts';
export type { AudienceMatch, ContactPointStore, SourceContact, NewContactPoint, PurposeKeys } from './ports.ts';
