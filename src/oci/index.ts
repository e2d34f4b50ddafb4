export * from './image-spec.ts';
export * from './chain-id.ts';
export * from './reference.ts';
