/**
 * The com.docker.compose.config-hash label: a digest of the service's normalised configuration, without what
 * changes no container (replica count, profiles), so `up` recreates exactly the services whose config changed.
 */
import { createHash } from 'node:crypto';
import type { Service } from './model.ts';

export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function serviceConfigHash(s: Service): string {
  const { scale: _scale, profiles: _profiles, deploy, ...rest } = s;
  const { replicas: _replicas, update_config: _update, rollback_config: _rollback, ...deployRest } = deploy ?? {};
  return createHash('sha256').update(stableJson({ ...rest, deploy: deploy ? deployRest : undefined })).digest('hex');
}
