export * from './errdefs.ts';
export * from './atomic-fs.ts';
export * from './exec.ts';
export * from './log.ts';
export * from './keyed-mutex.ts';
export * from './ids.ts';
export * from './streams/stdcopy.ts';
export * from './streams/json-lines.ts';
