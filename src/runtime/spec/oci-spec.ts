/**
 * The subset of the OCI runtime-spec config.json (v1.1) that Berth writes. Field names are the spec's own.
 */
export interface OciUser { uid: number; gid: number; additionalGids?: number[]; umask?: number }
export interface OciCapabilities {
  bounding: string[]; effective: string[]; permitted: string[]; inheritable?: string[]; ambient?: string[];
}
export interface OciRlimit { type: string; soft: number; hard: number }
export interface OciProcess {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
  apparmorProfile?: string;
}
export interface OciMount { destination: string; type?: string; source?: string; options?: string[] }
export interface OciNamespace { type: 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup'; path?: string }
export interface OciDevice { type: 'c' | 'b' | 'u' | 'p'; path: string; major: number; minor: number; fileMode?: number; uid?: number; gid?: number }
export interface OciDeviceRule { allow: boolean; type?: string; major?: number; minor?: number; access?: string }
export interface OciSeccompArg { index: number; value: number; valueTwo?: number; op: string }
export interface OciSeccompSyscall { names: string[]; action: string; errnoRet?: number; args?: OciSeccompArg[] }
export interface OciSeccomp {
  defaultAction: string; defaultErrnoRet?: number; architectures?: string[]; flags?: string[]; syscalls?: OciSeccompSyscall[];
}
export interface OciLinux {
  namespaces: OciNamespace[];
  devices?: OciDevice[];
  resources?: { devices?: OciDeviceRule[]; [k: string]: unknown };
  cgroupsPath?: string;
  sysctl?: Record<string, string>;
  seccomp?: OciSeccomp;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  rootfsPropagation?: string;
}
export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts: OciMount[];
  linux: OciLinux;
  annotations?: Record<string, string>;
}
