/** Header names and fixed values of the distribution protocol (distribution registry/api/v2, OCI distribution-spec). */
export const Header = {
  apiVersion: 'Docker-Distribution-API-Version',
  contentDigest: 'Docker-Content-Digest',
  uploadUuid: 'Docker-Upload-UUID',
  uploadSessionId: 'Blob-Upload-Session-ID',
  subject: 'OCI-Subject',
  filtersApplied: 'OCI-Filters-Applied',
  wwwAuthenticate: 'WWW-Authenticate',
} as const;

/** The value of Docker-Distribution-API-Version on every response. */
export const API_VERSION = 'registry/2.0';

/** Manifest media types a registry stores and negotiates (image manifests and indexes, Docker and OCI). */
export const ManifestMediaType = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
} as const;

/** The Accept header a client sends to take any manifest kind. */
export const MANIFEST_ACCEPT = Object.values(ManifestMediaType).join(', ');

/** Upload progress as distribution writes it in `Range`: `0-<last byte>` (`0-0` while empty). */
export function uploadRange(size: number): string {
  return `0-${size > 0 ? size - 1 : 0}`;
}
