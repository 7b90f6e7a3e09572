export { ContactPoints, type ContactPointView, type UseTarget } from './service.ts';
export { consentedSource, type ConsentedContactSource } from './consented-source.ts';
export type { AudienceMatch, ContactPointStore, SourceContact, NewContactPoint, PurposeKeys } from './ports.ts';
