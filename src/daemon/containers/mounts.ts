/** Parses the bind and tmpfs mounts of a HostConfig (`-v`, `--mount`, `--tmpfs`) into runtime terms. */
import { isAbsolute, normalize } from 'node:path';
import { invalidArgument } from '../../lib/index.ts';
import type { HostConfig } from '../../api/types/index.ts';

export interface BindMount { source: string; destination: string; readonly: boolean; propagation?: string; createSource: boolean }

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

/** `-v /host:/ctr[:ro|rw][,propagation]` (Docker's Linux parser rules, for binds with absolute sources). */
export function parseBind(spec: string): BindMount {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) throw invalidArgument(`invalid volume specification: '${spec}'`);
  const [source, destination, mode = ''] = parts;
  if (!isAbsolute(destination)) throw invalidArgument(`invalid volume specification: '${spec}': invalid mount config for type "volume": invalid mount path: '${destination}' mount path must be absolute`);
  if (!isAbsolute(source)) {
    throw invalidArgument(`named volumes are not supported yet: '${spec}' (use an absolute host path)`);
  }
  let readonly = false;
  let propagation: string | undefined;
  for (const opt of mode.split(',').filter(Boolean)) {
    if (opt === 'ro') readonly = true;
    else if (opt === 'rw') readonly = false;
    else if (PROPAGATIONS.includes(opt)) propagation = opt;
    else if (opt === 'z' || opt === 'Z' || opt === 'nocopy' || opt === 'consistent' || opt === 'cached' || opt === 'delegated') continue;
    else throw invalidArgument(`invalid mode: ${opt}`);
  }
  if (normalize(destination) === '/') throw invalidArgument(`invalid specification: destination can't be '/' in '${spec}'`);
  return { source: normalize(source), destination: normalize(destination), readonly, propagation, createSource: true };
}

export interface ParsedMounts { binds: BindMount[]; tmpfs: Record<string, string> }

export function parseMounts(hc: HostConfig): ParsedMounts {
  const binds: BindMount[] = (hc.Binds ?? []).map(parseBind);
  const tmpfs: Record<string, string> = { ...(hc.Tmpfs ?? {}) };
  for (const m of hc.Mounts ?? []) {
    if (!m.Target || !isAbsolute(m.Target)) throw invalidArgument(`invalid mount config for type "${m.Type}": invalid mount path: '${m.Target}' mount path must be absolute`);
    if (m.Type === 'bind') {
      if (!m.Source || !isAbsolute(m.Source)) throw invalidArgument(`invalid mount config for type "bind": invalid mount path: '${m.Source ?? ''}' mount path must be absolute`);
      binds.push({ source: normalize(m.Source), destination: normalize(m.Target), readonly: !!m.ReadOnly, propagation: m.BindOptions?.Propagation, createSource: !!m.BindOptions?.CreateMountpoint });
    } else if (m.Type === 'tmpfs') {
      const opts: string[] = [];
      if (m.TmpfsOptions?.SizeBytes) opts.push(`size=${m.TmpfsOptions.SizeBytes}`);
      if (m.TmpfsOptions?.Mode) opts.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
      if (m.ReadOnly) opts.push('ro');
      tmpfs[m.Target] = opts.join(',');
    } else {
      throw invalidArgument(`mount type "${m.Type}" is not supported yet`);
    }
  }
  const seen = new Set<string>();
  for (const d of [...binds.map((b) => b.destination), ...Object.keys(tmpfs)]) {
    if (seen.has(d)) throw invalidArgument(`Duplicate mount point: ${d}`);
    seen.add(d);
  }
  return { binds, tmpfs };
}
