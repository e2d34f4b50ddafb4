/** What the builder needs from the image store and the container service (ImageService and an adapter satisfy them). */
import type { CreateRequest, WaitResponse } from '../../api/types/index.ts';
import type { CommitOptions } from '../../image/index.ts';
import type { ContainerConfigPart, ImageConfig } from '../../oci/index.ts';

export interface BuildImages {
  resolve(ref: string): Promise<{ id: string; config: ImageConfig }>;
  findCacheChild(parentId: string | undefined, cacheKey: string): string | undefined;
  imageFromCacheSource(o: { sourceId: string; parentId?: string; index: number; config: ContainerConfigPart; cacheKey: string }): Promise<string>;
  createImage(o: Omit<CommitOptions, 'takeLayer'>): Promise<{ id: string }>;
  commitContainer(containerId: string, o: CommitOptions): Promise<{ id: string }>;
  createBuildLayer(parentImageId: string | undefined): Promise<string>;
  createImageView(imageId: string): Promise<string | undefined>;
  mountBuildLayer(key: string, target: string): Promise<void>;
  unmountBuildLayer(target: string): Promise<void>;
  removeBuildLayer(key: string): Promise<void>;
  commitBuildLayer(key: string, o: Omit<CommitOptions, 'takeLayer'>): Promise<{ id: string }>;
  tag(source: string, repo: string, tag?: string): Promise<void>;
  /** A container's layer directories (RUN --mount cleans its mount points out of the upper one). */
  containerLayerMounts(containerId: string): Promise<{ upper: string; lowers: string[] }>;
}

export interface BuildContainers {
  create(req: CreateRequest): Promise<{ Id: string }>;
  start(id: string): Promise<void>;
  wait(id: string, condition: 'next-exit'): Promise<WaitResponse>;
  remove(id: string, o: { force: boolean; volumes: boolean }): Promise<void>;
  logPath(id: string): string;
}
