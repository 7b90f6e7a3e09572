export * from './model.ts';
export type * from './ports.ts';
export { Safety } from './safety.ts';
export { People } from './people.ts';
