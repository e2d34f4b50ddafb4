export * from './host.ts';
export * from './api-error.ts';
export * from './engine-client.ts';
export * from './json-messages.ts';
export * from './hijacked-streams.ts';
export type * from './types.ts';
