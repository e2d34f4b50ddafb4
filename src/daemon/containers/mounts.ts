/**
 * Mount planning at container create (moby daemon/volumes.go registerMountPoints + create_unix.go image volumes):
 * `--volumes-from`, `-v` (binds, named and anonymous volumes), `--mount` (bind, volume, tmpfs), `--tmpfs`, and
 * anonymous volumes for the image's VOLUME paths that nothing else covers. Volumes are created here, as dockerd
 * does at create; they are mounted (and first-use content copied) at start by VolumeService.prepareMounts.
 *
 * Precedence (as dockerd): volumes-from first, then binds and --mount replace those at the same destination;
 * two binds/--mounts at one destination are `Duplicate mount point: <dst>`; image VOLUMEs come last and are
 * skipped where anything is mounted already.
 */
import { isAbsolute, posix } from 'node:path';
import { stat } from 'node:fs/promises';
import { errnoCode, invalidArgument } from '../../lib/index.ts';
import type { HostConfig, MountSpec } from '../../api/types/index.ts';
import type { ContainerRecord, MountPoint } from './record.ts';

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
const CONSISTENCY = ['consistent', 'cached', 'delegated', 'default'];
const DEFAULT_PROPAGATION = 'rprivate';

/** What planning needs of the volume service: a volume by name (created when missing), or a new anonymous one. */
export interface MountVolumes {
  ensure(name: string | undefined, o?: { driver?: string; driverOpts?: Record<string, string>; labels?: Record<string, string> }):
    Promise<{ Name: string; Mountpoint: string; Driver: string }>;
  removeAnonymous(mounts: readonly MountPoint[]): Promise<void>;
}

export interface PlanOptions {
  volumes: MountVolumes;
  /** Looks up a `--volumes-from` container (throws not-found). */
  volumesFrom: (ref: string) => ContainerRecord;
  containerId: string;
}

/** A planned mount before its volume exists: the volume's creation options ride along. */
interface Planned extends MountPoint {
  create?: { driver?: string; driverOpts?: Record<string, string>; labels?: Record<string, string> };
  /** The volume must already exist (volumes-from). */
  existing?: boolean;
}

function clean(p: string): string {
  return posix.normalize(p).replace(/(.)\/+$/, '$1');
}

function specError(spec: string, type: string, msg: string): Error {
  return invalidArgument(`invalid volume specification: '${spec}': invalid mount config for type "${type}": ${msg}`);
}

interface ModeFlags { readonly?: boolean; propagation?: string; noCopy?: boolean; label?: string }

/** moby ValidMountMode: each kind at most once; unknown words are `invalid mode: <mode>`. */
function parseMode(mode: string): ModeFlags {
  const out: ModeFlags = {};
  const counts = { rw: 0, label: 0, prop: 0, copy: 0, consistency: 0 };
  for (const opt of mode.split(',')) {
    if (opt === 'ro' || opt === 'rw') { counts.rw++; out.readonly = opt === 'ro'; }
    else if (opt === 'z' || opt === 'Z') { counts.label++; out.label = opt; }
    else if (PROPAGATIONS.includes(opt)) { counts.prop++; out.propagation = opt; }
    else if (opt === 'nocopy') { counts.copy++; out.noCopy = true; }
    else if (CONSISTENCY.includes(opt)) counts.consistency++;
    else throw invalidArgument(`invalid mode: ${mode}`);
  }
  if (Object.values(counts).some((n) => n > 1)) throw invalidArgument(`invalid mode: ${mode}`);
  return out;
}

/** `-v [src:]dst[:mode]`: an absolute source is a bind, a name a named volume, no source an anonymous volume. */
export function parseVolumeSpec(spec: string): Planned {
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw invalidArgument(`invalid volume specification: '${spec}'`);
  let source = '';
  let destination: string;
  let mode = '';
  if (parts.length === 1) destination = parts[0]!;
  else if (parts.length === 2) {
    if (isModeWord(parts[1]!)) throw invalidArgument(`invalid volume specification: '${spec}'`);
    [source, destination] = parts as [string, string];
  } else [source, destination, mode] = parts as [string, string, string];
  const flags = mode ? parseMode(mode) : {};
  const type = isAbsolute(source) ? 'bind' : 'volume';
  if (!isAbsolute(destination)) throw specError(spec, type, `invalid mount path: '${destination}' mount path must be absolute`);
  if (clean(destination) === '/') throw specError(spec, type, `invalid specification: destination can't be '/'`);
  if (type === 'bind') {
    if (flags.noCopy) throw specError(spec, type, 'field VolumeOptions must not be specified');
    return {
      Type: 'bind', Source: clean(source), Destination: clean(destination), Mode: mode, RW: !flags.readonly,
      Propagation: flags.propagation ?? DEFAULT_PROPAGATION, createSource: true,
    };
  }
  if (flags.propagation) throw specError(spec, type, 'field BindOptions must not be specified');
  return {
    Type: 'volume', Name: source || undefined, Source: '', Destination: clean(destination), Mode: mode, RW: !flags.readonly,
    Propagation: '', anonymous: !source, noCopy: !!flags.noCopy, create: {},
  };
}

function isModeWord(s: string): boolean {
  try {
    parseMode(s);
    return true;
  } catch {
    return false;
  }
}

/** `--mount type=...` (HostConfig.Mounts); bind sources must exist unless CreateMountpoint. */
async function parseMountSpec(m: MountSpec): Promise<Planned> {
  const type = m.Type;
  const err = (msg: string) => invalidArgument(`invalid mount config for type "${type}": ${msg}`);
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw err('mount type unknown');
  if (!m.Target) throw err('field Target must not be empty');
  if (!isAbsolute(m.Target)) throw err(`invalid mount path: '${m.Target}' mount path must be absolute`);
  const destination = clean(m.Target);
  if (destination === '/' && type !== 'tmpfs') throw err(`invalid specification: destination can't be '/'`);
  if (type === 'bind') {
    if (!m.Source) throw err('field Source must not be empty');
    if (!isAbsolute(m.Source)) throw err(`invalid mount path: '${m.Source}' mount path must be absolute`);
    if (m.VolumeOptions) throw err('field VolumeOptions must not be specified');
    if (m.TmpfsOptions) throw err('field TmpfsOptions must not be specified');
    const create = !!m.BindOptions?.CreateMountpoint;
    if (!create) {
      try {
        await stat(m.Source);
      } catch (e) {
        if (errnoCode(e) !== 'ENOENT') throw e;
        throw err(`bind source path does not exist: ${m.Source}`);
      }
    }
    return {
      Type: 'bind', Source: clean(m.Source), Destination: destination, Mode: '', RW: !m.ReadOnly,
      Propagation: m.BindOptions?.Propagation || DEFAULT_PROPAGATION, createSource: create,
    };
  }
  if (type === 'volume') {
    if (m.BindOptions) throw err('field BindOptions must not be specified');
    if (m.TmpfsOptions) throw err('field TmpfsOptions must not be specified');
    if (m.Source && isAbsolute(m.Source)) throw err(`invalid volume name: '${m.Source}'`);
    const vo = m.VolumeOptions;
    return {
      Type: 'volume', Name: m.Source || undefined, Source: '', Destination: destination, Mode: '', RW: !m.ReadOnly,
      Propagation: '', anonymous: !m.Source, noCopy: !!vo?.NoCopy,
      create: { driver: vo?.DriverConfig?.Name || undefined, driverOpts: vo?.DriverConfig?.Options ?? undefined, labels: vo?.Labels ?? undefined },
    };
  }
  if (m.Source) throw err('field Source must not be specified');
  if (m.BindOptions) throw err('field BindOptions must not be specified');
  if (m.VolumeOptions) throw err('field VolumeOptions must not be specified');
  const opts: string[] = [];
  const size = m.TmpfsOptions?.SizeBytes;
  if (size !== undefined && size !== 0) {
    if (size < 0) throw err(`invalid tmpfs size: ${size}`);
    opts.push(`size=${size}`);
  }
  if (m.TmpfsOptions?.Mode) opts.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
  if (m.ReadOnly) opts.push('ro');
  return { Type: 'tmpfs', Source: '', Destination: destination, Mode: '', RW: !m.ReadOnly, Propagation: '', tmpfsOptions: opts.join(',') };
}

/** moby ParseVolumesFrom: `container[:ro|rw]`. */
export function parseVolumesFrom(spec: string): { ref: string; readonly: boolean } {
  if (!spec) throw invalidArgument('volumes-from specification cannot be an empty string');
  const i = spec.indexOf(':');
  const ref = i < 0 ? spec : spec.slice(0, i);
  const mode = i < 0 ? '' : spec.slice(i + 1);
  if (!mode) return { ref, readonly: false };
  const flags = parseMode(mode);
  if (flags.propagation || flags.noCopy) throw invalidArgument(`invalid mode: ${mode}`);
  return { ref, readonly: !!flags.readonly };
}

/**
 * Resolves a HostConfig (and the image's VOLUMEs) into the container's mount points, creating the named and
 * anonymous volumes they need. On failure, anonymous volumes created here are removed again.
 */
export async function planMounts(hc: HostConfig, imageVolumes: Record<string, object> | null | undefined, o: PlanOptions): Promise<MountPoint[]> {
  const byDest = new Map<string, Planned>();
  // 1. --volumes-from: the other container's mounts, RW unless ":ro"; never copied into again.
  for (const spec of hc.VolumesFrom ?? []) {
    const { ref, readonly } = parseVolumesFrom(spec);
    const other = o.volumesFrom(ref);
    if (other.id === o.containerId) continue;
    for (const m of other.mounts ?? []) {
      if (m.tmpfsFlag) continue; // --tmpfs mounts are not mount points in dockerd
      const { Type, Name, Source, Destination, Driver, RW, Propagation, anonymous, tmpfsOptions, createSource } = m;
      byDest.set(Destination, {
        Type, Name, Source, Destination, Driver, Mode: '', RW: RW && !readonly, Propagation, anonymous, noCopy: true,
        tmpfsOptions, createSource, existing: Type === 'volume',
      });
    }
  }
  // 2. -v and --mount: duplicates among them are an error; they replace volumes-from entries.
  const own = new Set<string>();
  const add = (p: Planned) => {
    if (own.has(p.Destination)) throw invalidArgument(`Duplicate mount point: ${p.Destination}`);
    own.add(p.Destination);
    byDest.set(p.Destination, p);
  };
  for (const spec of hc.Binds ?? []) add(parseVolumeSpec(spec));
  for (const m of hc.Mounts ?? []) add(await parseMountSpec(m));
  // 3. --tmpfs
  for (const [dst, opts] of Object.entries(hc.Tmpfs ?? {})) {
    if (!isAbsolute(dst)) throw invalidArgument(`invalid mount config for type "tmpfs": invalid mount path: '${dst}' mount path must be absolute`);
    const d = clean(dst);
    if (own.has(d)) throw invalidArgument(`Duplicate mount point: ${d}`);
    own.add(d);
    byDest.set(d, { Type: 'tmpfs', Source: '', Destination: d, Mode: '', RW: true, Propagation: '', tmpfsOptions: opts ?? '', tmpfsFlag: true });
  }
  // 4. The image's VOLUMEs nothing covers: anonymous volumes.
  for (const path of Object.keys(imageVolumes ?? {})) {
    const d = clean(path.startsWith('/') ? path : `/${path}`);
    if (d === '/' || byDest.has(d)) continue;
    byDest.set(d, { Type: 'volume', Source: '', Destination: d, Mode: '', RW: true, Propagation: '', anonymous: true, create: {}, imageVolume: true });
  }

  const out: MountPoint[] = [];
  const created: MountPoint[] = [];
  try {
    for (const p of byDest.values()) {
      const { create, existing, ...mp } = p;
      if (mp.Type === 'volume') {
        const v = existing ? await o.volumes.ensure(mp.Name) : await o.volumes.ensure(mp.Name, create);
        if (mp.anonymous && !existing) created.push(mp);
        mp.Name = v.Name;
        mp.Source = v.Mountpoint;
        mp.Driver = v.Driver;
        if (!existing && !mp.imageVolume && v.Driver === 'local' && mp.Mode === '') mp.Mode = 'z';
      }
      for (const k of Object.keys(mp) as (keyof MountPoint)[]) if (mp[k] === undefined) delete mp[k];
      out.push(mp);
    }
  } catch (err) {
    await o.volumes.removeAnonymous(created).catch(() => undefined);
    throw err;
  }
  return out;
}

/** Host-side view of a container's mounts for docker cp: container destination → host source. */
export function pathMounts(mounts: readonly MountPoint[] | undefined): { destination: string; source: string; readOnly: boolean }[] {
  return (mounts ?? []).filter((m) => m.Type !== 'tmpfs').map((m) => ({ destination: m.Destination, source: m.Source, readOnly: !m.RW }));
}

/** Docker's MountPoint JSON (inspect Mounts, ps Mounts). --tmpfs mounts are not listed, as in dockerd. */
export function mountsView(mounts: readonly MountPoint[] | undefined) {
  return (mounts ?? []).filter((m) => !m.tmpfsFlag).map((m) => {
    if (m.Type === 'volume') {
      return { Type: m.Type, Name: m.Name ?? '', Source: m.Source, Destination: m.Destination, Driver: m.Driver ?? 'local', Mode: m.Mode, RW: m.RW, Propagation: m.Propagation };
    }
    return { Type: m.Type, Source: m.Source, Destination: m.Destination, Mode: m.Mode, RW: m.RW, Propagation: m.Propagation };
  });
}

// ------------------------------------------------------------------------------------------------------------
