export * from './flag-spec.ts';
export * from './parse-flags.ts';
