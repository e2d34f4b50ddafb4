export { ImageService, parsePlatform, type ImageEvents, type ContainerUsage, type UsageChecker, type ImportOptions, type CommitOptions } from './image-service.ts';
export type { ImageSummary, ImageInspect, ImageInspectConfig, HistoryResponseItem, ImageDeleteResponseItem, ImagePruneReport } from './api-shapes.ts';
export { applyChanges } from './changes.ts';
export { LocalContentStore } from './content/local-content-store.ts';
export type { ContentStore, ContentWriter, BlobInfo, IngestStatus } from './content/content-store.ts';
export { ImageRecordStore, type ImageRecord } from './image-store.ts';
