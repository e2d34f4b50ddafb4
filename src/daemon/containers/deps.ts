/** What the container service needs from the image store and the OCI runtime: narrow seams, wired in cmd/berthd. */
import type { ImageRuntimeConfig } from './config-merge.ts';

export interface ContainerImages {
  resolve(ref: string): Promise<{ id: string; config: { config?: ImageRuntimeConfig } }>;
  createContainerLayer(imageId: string, containerId: string): Promise<void>;
  mountContainerLayer(containerId: string, target: string): Promise<void>;
  unmountContainerLayer(containerId: string, target: string): Promise<void>;
  removeContainerLayer(containerId: string): Promise<void>;
  containerLayerSize(containerId: string): Promise<number>;
}
