/** The images API backend is the ImageService itself; this adapter only pins the structural match at compile time. */
import type { ImagesBackend } from '../../api/routers/images/backend.ts';
import type { ImageService } from '../../image/index.ts';

export function imagesBackend(images: ImageService): ImagesBackend {
  return images;
}
