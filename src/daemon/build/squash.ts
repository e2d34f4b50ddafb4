/**
 * `docker build --squash` (moby daemon/images SquashImage): the built image's layers above its stage's base become
 * one layer. The final filesystem is synced onto a fresh build layer over the base, so the new layer holds exactly
 * the difference (removals as whiteouts). The build's history entries stay, marked `empty_layer`, followed by
 * `merge <image> to <base>` (or `create new from <image>` on scratch), as dockerd writes them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { syncTree } from '../../archive/index.ts';
import type { BuildImages } from './ports.ts';

export async function squashImage(images: BuildImages, tmpRoot: string, imageId: string, baseId: string | undefined, signal?: AbortSignal): Promise<string> {
  const image = await images.resolve(imageId);
  const base = baseId ? await images.resolve(baseId) : undefined;
  const layer = await images.createBuildLayer(baseId);
  const view = await images.createImageView(imageId);
  const layerRoot = await mkdtemp(join(tmpRoot, 'squash-'));
  const viewRoot = await mkdtemp(join(tmpRoot, 'squash-from-'));
  let committed = false;
  try {
    await images.mountBuildLayer(layer, layerRoot);
    try {
      if (view) await images.mountBuildLayer(view, viewRoot);
      try {
        await syncTree(viewRoot, layerRoot, { signal });
      } finally {
        if (view) await images.unmountBuildLayer(viewRoot);
      }
    } finally {
      await images.unmountBuildLayer(layerRoot);
    }
    const from = base?.config.history?.length ?? 0;
    const between = (image.config.history ?? []).slice(from).map((h) => ({ ...h, empty_layer: true }));
    const comment = baseId ? `merge ${imageId} to ${baseId}` : `create new from ${imageId}`;
    const { id } = await images.commitBuildLayer(layer, {
      parentImageId: baseId, config: image.config.config ?? {}, history: { created_by: '', comment },
      historyBetween: between, author: image.config.author,
    });
    committed = true;
    return id;
  } finally {
    if (!committed) await images.removeBuildLayer(layer).catch(() => undefined);
    if (view) await images.removeBuildLayer(view).catch(() => undefined);
    await rm(layerRoot, { recursive: true, force: true }).catch(() => undefined);
    await rm(viewRoot, { recursive: true, force: true }).catch(() => undefined);
  }
}
