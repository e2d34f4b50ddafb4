/**
 * The registry's storage layout: every path the server reads or writes, under the driver root (distribution
 * registry/storage/paths.go, simplified). Schema version `v1`.
 *
 *   /v1/secret                                              HMAC key that signs upload-state tokens (random, 32 bytes)
 *   /v1/blobs/<alg>/<hex[0:2]>/<hex>/data                   blob and manifest content, shared by every repository
 *   /v1/repositories/<name>/                                one repository; <name> may contain `/`
 *     _layers/<alg>/<hex>/link                              "<alg>:<hex>": the blob is visible in this repository
 *                                                           (uploaded, mounted, or pushed here)
 *     _manifests/revisions/<alg>/<hex>/link                 a manifest of this repository (content in /v1/blobs)
 *     _manifests/tags/<tag>/current/link                    the digest the tag points at
 *     _referrers/<alg>/<subject hex>/<alg>/<hex>/link       manifest <hex> names <subject> in its `subject` field
 *     _uploads/<id>/data                                    bytes received so far for upload <id>
 *     _uploads/<id>/startedat                               RFC 3339 start time (for purging abandoned uploads)
 *
 * Repository name components never start with `_`, so the `_`-prefixed directories cannot collide with names.
 * Blobs become visible only by a rename of a fully received, size- and digest-verified upload `data` file into
 * /v1/blobs; links are written with an atomic replace. Garbage collection (gc.ts) deletes blobs no manifest or
 * link of a surviving manifest refers to.
 */

const ROOT = '/v1';

function split(digest: string): [string, string] {
  const i = digest.indexOf(':');
  return [digest.slice(0, i), digest.slice(i + 1)];
}

export const layout = {
  secret: (): string => `${ROOT}/secret`,
  blobsRoot: (): string => `${ROOT}/blobs`,
  blobData: (digest: string): string => {
    const [alg, hex] = split(digest);
    return `${ROOT}/blobs/${alg}/${hex.slice(0, 2)}/${hex}/data`;
  },
  blobDir: (digest: string): string => {
    const [alg, hex] = split(digest);
    return `${ROOT}/blobs/${alg}/${hex.slice(0, 2)}/${hex}`;
  },
  repositoriesRoot: (): string => `${ROOT}/repositories`,
  repo: (name: string): string => `${ROOT}/repositories/${name}`,
  layerLink: (name: string, digest: string): string => {
    const [alg, hex] = split(digest);
    return `${ROOT}/repositories/${name}/_layers/${alg}/${hex}/link`;
  },
  layersRoot: (name: string): string => `${ROOT}/repositories/${name}/_layers`,
  manifestsRoot: (name: string): string => `${ROOT}/repositories/${name}/_manifests`,
  revisionsRoot: (name: string): string => `${ROOT}/repositories/${name}/_manifests/revisions`,
  revisionLink: (name: string, digest: string): string => {
    const [alg, hex] = split(digest);
    return `${ROOT}/repositories/${name}/_manifests/revisions/${alg}/${hex}/link`;
  },
  revisionDir: (name: string, digest: string): string => {
    const [alg, hex] = split(digest);
    return `${ROOT}/repositories/${name}/_manifests/revisions/${alg}/${hex}`;
  },
  tagsRoot: (name: string): string => `${ROOT}/repositories/${name}/_manifests/tags`,
  tagDir: (name: string, tag: string): string => `${ROOT}/repositories/${name}/_manifests/tags/${tag}`,
  tagLink: (name: string, tag: string): string => `${ROOT}/repositories/${name}/_manifests/tags/${tag}/current/link`,
  referrersOf: (name: string, subject: string): string => {
    const [alg, hex] = split(subject);
    return `${ROOT}/repositories/${name}/_referrers/${alg}/${hex}`;
  },
  referrerLink: (name: string, subject: string, digest: string): string => {
    const [alg, hex] = split(digest);
    return `${layout.referrersOf(name, subject)}/${alg}/${hex}/link`;
  },
  uploadsRoot: (name: string): string => `${ROOT}/repositories/${name}/_uploads`,
  uploadDir: (name: string, id: string): string => `${ROOT}/repositories/${name}/_uploads/${id}`,
  uploadData: (name: string, id: string): string => `${ROOT}/repositories/${name}/_uploads/${id}/data`,
  uploadStartedAt: (name: string, id: string): string => `${ROOT}/repositories/${name}/_uploads/${id}/startedat`,
};
