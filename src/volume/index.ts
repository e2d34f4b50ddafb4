/** Volumes: the local driver, the volume store (Docker's volume service) and first-use content copy. */
export type { VolumeDriver, VolumeRecord } from './driver.ts';
export { LocalVolumeDriver } from './local-driver.ts';
export { VolumeStore, dirSize } from './volume-store.ts';
export type { VolumeView, VolumeFilters, CreateVolumeOptions } from './volume-store.ts';
export { validateVolumeName, anonymousVolumeName, ANONYMOUS_LABEL } from './names.ts';
export { copyImageContentIntoVolume } from './copy-content.ts';
