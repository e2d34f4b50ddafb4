export * from './snapshotter.ts';
export { OverlaySnapshotter, dirUsage } from './overlay-snapshotter.ts';
export { applyLayer, type ApplyResult, type ApplyOptions } from './apply-layer.ts';
export { decompressStream, detectCompression, Compression, type ExternalDecompressor, type Decompressed } from '../lib/streams/decompress.ts';
export { mountAll, unmountAll, isMountPoint, writableDir } from './mount.ts';
