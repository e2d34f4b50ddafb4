export type * from './containers.ts';
