export { Builder, BuildStepError, type BuildOptions, type BuildOutput, type BuilderDeps, type PreparedBuild } from './executor.ts';
export { buildContainers } from './container-port.ts';
export type { BuildImages, BuildContainers } from './ports.ts';
export { CacheMountStore, type CacheMountUsage } from './cache-mounts.ts';
export { BuildCache, type BuildCacheRecord } from './build-cache.ts';
