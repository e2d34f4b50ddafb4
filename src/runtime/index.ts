/** Public surface of the runtime module: OCI spec building, host preparation, conmon + crun/runc, logs. */
export type { SpecInput, ResourceLimits } from './spec/build-spec.ts';
export { buildSpec, INIT_PATH } from './spec/build-spec.ts';
export type * from './spec/oci-spec.ts';
export { DEFAULT_CAPABILITIES, allCapabilities, normalizeCapability, resolveCapabilities } from './spec/capabilities.ts';
export { DEFAULT_SECCOMP_PROFILE, translateSeccomp, loadSeccompProfile } from './spec/seccomp.ts';
export { MASKED_PATHS, READONLY_PATHS, DEFAULT_SHM_SIZE } from './spec/defaults.ts';
export { resolveUser, type ResolvedUser } from './user.ts';
export { resolveInRoot } from '../lib/root-path.ts';
export { prepareHost, type HostReport } from './host.ts';
export type { RuntimeName, OciState } from './oci-cli.ts';
export { OciCli } from './oci-cli.ts';
export { ConmonRuntime, bundleFiles, type RuntimeOptions, type CreateContainer, type ExecProcess, type ExecSession } from './conmon-runtime.ts';
export type { AttachStreams } from './attach.ts';
export { buildConmonArgs, type ConmonArgsInput } from './conmon-args.ts';
export { ProcessStartError } from './runtime-errors.ts';
export { readExitFile, isProcessAlive } from './exit-file.ts';
export { readLogs, parseLogLine, type LogEntry, type ReadLogsOptions } from './logs.ts';
export { hostCgroups, detectCgroupFs, cgroupV1, cgroupV2, type CgroupFs, type CgroupSample } from './cgroups/index.ts';
