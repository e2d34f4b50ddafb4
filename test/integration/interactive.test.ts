/**
 * Interactive TTY sessions driven through tmux, as a person would: `docker run -it` and `docker exec -it`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon, REPO, run } from './harness.ts';

/**
 * A tmux session on its own tmux server (-L): a shared server would run our command with the environment of
 * whichever test started that server, i.e. possibly another test's DOCKER_HOST.
 */
class Tmux {
  readonly session = `berth-it-${randomBytes(4).toString('hex')}`;

  private tmux(args: string[], env?: NodeJS.ProcessEnv) {
    return run('tmux', ['-L', this.session, ...args], { env });
  }

  async start(command: string, env: NodeJS.ProcessEnv): Promise<void> {
    const r = await this.tmux(['new-session', '-d', '-s', this.session, '-x', '120', '-y', '30', command], env);
    assert.equal(r.code, 0, r.stderr);
  }

  async type(text: string): Promise<void> {
    await this.tmux(['send-keys', '-t', this.session, text, 'Enter']);
  }

  /** Sends tmux key names (e.g. C-p) without Enter. */
  async keys(...names: string[]): Promise<void> {
    await this.tmux(['send-keys', '-t', this.session, ...names]);
  }

  async screen(): Promise<string> {
    return (await this.tmux(['capture-pane', '-p', '-t', this.session])).stdout;
  }

  async waitFor(re: RegExp, ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    let s = '';
    while (Date.now() < deadline) {
      s = await this.screen();
      if (re.test(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`screen never matched ${re}:\n${s}`);
  }

  async alive(): Promise<boolean> {
    return (await this.tmux(['has-session', '-t', this.session])).code === 0;
  }

  async kill(): Promise<void> {
    await this.tmux(['kill-server']);
  }
}

describe('interactive TTY sessions', () => {
  let d: Daemon;
  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
  });
  after(async () => {
    await d?.stop();
  });

  test('docker run -it busybox sh', async () => {
    const t = new Tmux();
    try {
      // `; sleep 5` keeps the pane open so the exit status can be read after the container ends.
      await t.start(`docker run -it --name tty busybox sh; echo "EXIT=$?"; sleep 5`, d.env);
      await t.waitFor(/^\/ #\s*$/m);
      await t.type('echo $((6*7))');
      await t.waitFor(/^42\s*$/m);
      await t.type('exit 5');
      await t.waitFor(/EXIT=5/);
      assert.equal(await d.ok(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'tty']), 'exited 5');
    } finally {
      await t.kill();
      await d.docker(['rm', '-f', 'tty']);
    }
  });

  test('docker exec -it into a running container', async () => {
    await d.ok(['run', '-d', '--name', 'svc', 'busybox', 'sleep', '300']);
    const t = new Tmux();
    try {
      await t.start(`docker exec -it svc sh; echo "EXIT=$?"; sleep 5`, d.env);
      await t.waitFor(/^\/ #\s*$/m);
      await t.type('echo tty=$(tty) cols=$(stty size)');
      await t.waitFor(/tty=\/dev\/pts\/\d+ cols=30 120/);
      await t.type('exit');
      await t.waitFor(/EXIT=0/);
      assert.equal(await d.ok(['inspect', '-f', '{{.State.Running}}', 'svc']), 'true');
    } finally {
      await t.kill();
      await d.docker(['rm', '-f', 'svc']);
    }
  });

  test('detach with ctrl-p ctrl-q, then docker attach again', async () => {
    const t = new Tmux();
    const t2 = new Tmux();
    try {
      await t.start(`docker run -it --name det busybox sh; echo "RUN-EXIT=$?"; sleep 5`, d.env);
      await t.waitFor(/^\/ #\s*$/m);
      await t.keys('C-p', 'C-q');
      await t.waitFor(/RUN-EXIT=0/);
      assert.equal(await d.ok(['inspect', '-f', '{{.State.Running}}', 'det']), 'true');
      await t2.start(`docker attach det; echo "ATTACH-EXIT=$?"; sleep 5`, d.env);
      await new Promise((r) => setTimeout(r, 300));
      await t2.type('echo back-$((40+2))');
      await t2.waitFor(/^back-42\s*$/m);
      await t2.type('exit 3');
      await t2.waitFor(/ATTACH-EXIT=3/);
    } finally {
      await t.kill();
      await t2.kill();
      await d.docker(['rm', '-f', 'det']);
    }
  });

  test('berth build on a terminal: the compact progress view', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-build-tty-'));
    const t = new Tmux();
    try {
      await writeFile(join(dir, 'Dockerfile'), 'FROM busybox\nRUN for i in 1 2 3 4 5 6 7 8; do echo line-$i; done; sleep 1\nENV DONE=1\n');
      await t.start(`${join(REPO, 'bin/berth')} build -t ttybuild ${dir}; echo "EXIT=$?"; sleep 5`, d.env);
      const running = await t.waitFor(/line-8/);
      assert.match(running, /^\S \[2\/3\] RUN .*\d+\.\ds\n {4}line-4\n(.*\n){3} {4}line-8$/m, 'the running step shows the last five lines of its output');
      const screen = await t.waitFor(/EXIT=0/, 20_000);
      assert.match(screen, /^Sending build context to Docker daemon/m);
      assert.match(screen, /^✔ \[1\/3\] FROM busybox\s+\d+\.\ds$/m);
      assert.match(screen, /^✔ \[2\/3\] RUN for i in .*\s+\d+\.\ds$/m);
      assert.match(screen, /^✔ \[3\/3\] ENV DONE=1\s+\d+\.\ds$/m);
      assert.match(screen, /^Successfully tagged ttybuild:latest$/m);
      assert.doesNotMatch(screen, /line-\d|Running in|Removing intermediate/, 'finished steps collapse to one line');
    } finally {
      await t.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
