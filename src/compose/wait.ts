/** Waiting on containers: running, healthy, or exited successfully (depends_on conditions and --wait). */
import type { ComposeContext } from './context.ts';
import type { Dependency } from './model.ts';

interface Inspect { Name: string; State: { Status: string; Running: boolean; ExitCode: number; Health?: { Status: string } } }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(c: ComposeContext, id: string, condition: Dependency['condition'] | 'running_or_healthy', timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const i = await c.client.json<Inspect>('GET', `/containers/${id}/json`);
    const name = i.Name.replace(/^\//, '');
    const health = i.State.Health?.Status;
    switch (condition) {
      case 'service_started':
        if (i.State.Status !== 'created') return;
        break;
      case 'service_healthy':
      case 'running_or_healthy':
        if (health === 'unhealthy') throw new Error(`dependency failed to start: container ${name} is unhealthy`);
        if (!health && condition === 'service_healthy') throw new Error(`dependency failed to start: container ${name} has no healthcheck configured`);
        if (health === 'healthy' || (!health && i.State.Running)) return;
        if (!i.State.Running && i.State.Status !== 'created') throw new Error(`container ${name} exited (${i.State.ExitCode})`);
        break;
      case 'service_completed_successfully':
        if (i.State.Status === 'exited' || i.State.Status === 'dead') {
          if (i.State.ExitCode === 0) return;
          throw new Error(`service "${name}" didn't complete successfully: exit ${i.State.ExitCode}`);
        }
        break;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for container ${name}`);
    await sleep(200);
  }
}
