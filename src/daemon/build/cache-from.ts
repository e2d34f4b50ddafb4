/**
 * `--cache-from` for the classic builder (moby image/cache): images whose history can stand in for build steps,
 * e.g. an image pulled from a registry that has no parent chain here. A step matches a source image when the
 * current image's layers and history are a prefix of the source's and the source's next history entry was
 * made by the same instruction (created_by). The step's image is then rebuilt from that prefix of the source
 * (no work done), and the build sticks to that source from then on, as dockerd does.
 */
import type { HistoryEntry, ImageConfig } from '../../oci/index.ts';

export interface CacheSource { id: string; config: ImageConfig }

/** Index of the history entry a step on `parent` would have in `source`, or -1 when `parent` is not a prefix. */
export function nextHistoryIndex(source: ImageConfig, parent: ImageConfig | undefined): number {
  const ph = parent?.history ?? [];
  const sh = source.history ?? [];
  if (sh.length <= ph.length) return -1;
  for (let i = 0; i < ph.length; i++) {
    if ((ph[i]!.created_by ?? '') !== (sh[i]!.created_by ?? '') || !!ph[i]!.empty_layer !== !!sh[i]!.empty_layer) return -1;
  }
  const pl = parent?.rootfs.diff_ids ?? [];
  const sl = source.rootfs.diff_ids;
  if (sl.length < pl.length || pl.some((d, i) => sl[i] !== d)) return -1;
  return ph.length;
}

/** The first source whose next step was made by `createdBy` on `parent`: the source and that entry's index. */
export function matchCacheSource(sources: readonly CacheSource[], parent: ImageConfig | undefined, createdBy: string): { source: CacheSource; index: number } | undefined {
  for (const source of sources) {
    const index = nextHistoryIndex(source.config, parent);
    if (index < 0) continue;
    const h: HistoryEntry = source.config.history![index]!;
    if ((h.created_by ?? '') === createdBy) return { source, index };
  }
  return undefined;
}
