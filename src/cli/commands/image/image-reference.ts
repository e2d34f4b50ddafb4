/** Minimal docker reference handling for the CLI: split name/tag/digest, add :latest, familiar form. */
export interface ImageReference {
  /** Familiar repository name ("alpine", "user/app", "registry:5000/x"). */
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImageReference(ref: string): ImageReference {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const repository = rest.replace(/^docker\.io\/library\//, '').replace(/^(docker\.io|index\.docker\.io)\//, '');
  return { repository, tag, digest };
}

/** reference.FamiliarString(reference.TagNameOnly(ref)): "alpine" → "alpine:latest". */
export function familiarTagged(ref: string): string {
  const r = parseImageReference(ref);
  if (r.digest) return `${r.repository}${r.tag ? `:${r.tag}` : ''}@${r.digest}`;
  return `${r.repository}:${r.tag ?? 'latest'}`;
}

/** The fully qualified repository docker sends as fromImage: "alpine" → "docker.io/library/alpine". */
export function qualifiedRepository(repository: string): string {
  const first = repository.split('/')[0];
  const hasRegistry = repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return repository;
  return `docker.io/${repository.includes('/') ? repository : `library/${repository}`}`;
}
