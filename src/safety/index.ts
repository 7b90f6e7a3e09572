export * from './model.ts';
export type * from './ports.ts';
export { Safety, type ReportInput } from './safety.ts';
export { People } from './people.ts';
