/**
 * Path-safe tar in and out of a container's filesystem (docker cp / export / diff; later the builder's COPY).
 * Imports only lib.
 */
export { resolveInRoot, resolveContainerPath, cleanContainerPath, hostPathOf } from '../lib/root-path.ts';
export type { PathMount, ContainerView, ResolveOptions } from '../lib/root-path.ts';
export { statPath, encodePathStatHeader, containerFileNotFound, absContainerPath } from './path-stat.ts';
export type { PathStat } from './path-stat.ts';
export { GoMode, goFileMode } from './file-mode.ts';
export { archivePath, exportRootfs } from './archive-path.ts';
export type { ArchivePathOptions, PathArchive } from './archive-path.ts';
export { extractArchive } from './extract.ts';
export type { ExtractOptions, IdMapping } from './extract.ts';
export { diffUpper, ChangeKind } from './diff-upper.ts';
export type { Change } from './diff-upper.ts';
export { syncTree } from './sync-tree.ts';
