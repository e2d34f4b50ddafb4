/**
 * conmon's argv, built in one place (podman sharedConmonArgs). Pure, so its test is an array comparison.
 *
 * Files conmon creates in `bundleDir` (with --full-attach): `attach` (SOCK_SEQPACKET attach socket), `ctl`
 * (control fifo: "1 <h> <w>\n" resizes the tty), `winsz`. Exit code: `<exitDir>/<id>`.
 */
export interface ConmonArgsInput {
  runtimePath: string;
  /** Global runtime flags (e.g. --root), passed with --runtime-arg. */
  runtimeArgs: string[];
  /** Container id (runtime name; exit file name). */
  id: string;
  /** Session id: the container id for the main process, the exec id for exec sessions. */
  sessionId: string;
  bundleDir: string;
  containerPidFile: string;
  conmonPidFile: string;
  exitDir: string;
  /** k8s-file log path; undefined for no log (exec sessions). */
  logPath?: string;
  /** JSON log of the OCI runtime itself (where crun/runc write their errors). */
  runtimeLogPath: string;
  terminal: boolean;
  stdin: boolean;
  leaveStdinOpen: boolean;
  exec?: { processSpec: string; attach: boolean };
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export function buildConmonArgs(c: ConmonArgsInput): string[] {
  const args = [
    '--api-version', '1',
    '-c', c.id,
    '-u', c.sessionId,
    '-r', c.runtimePath,
    '-b', c.bundleDir,
    '-p', c.containerPidFile,
    '-n', c.id,
    '--exit-dir', c.exitDir,
    '--full-attach',
    '--socket-dir-path', c.bundleDir,
    '-l', c.logPath ? `k8s-file:${c.logPath}` : 'none',
    '--log-level', c.logLevel ?? 'warn',
    '--conmon-pidfile', c.conmonPidFile,
    // conmon otherwise syncs the log at exit, which holds up every exit; Docker does not fsync logs either.
    '--no-sync-log',
  ];
  for (const a of [...c.runtimeArgs, '--log-format=json', `--log=${c.runtimeLogPath}`]) args.push('--runtime-arg', a);
  if (c.terminal) args.push('-t');
  if (c.stdin) args.push('-i');
  if (c.stdin && c.leaveStdinOpen) args.push('--leave-stdin-open');
  if (c.exec) {
    args.push('-e', '--exec-process-spec', c.exec.processSpec);
    if (c.exec.attach) args.push('--exec-attach');
  }
  return args;
}
