/** docker's y/N confirmation prompt (command.PromptForConfirmation). */
import type { CliContext } from './command.ts';

export async function confirm(ctx: CliContext, message: string): Promise<boolean> {
  ctx.stdout.write(`${message}\nAre you sure you want to continue? [y/N] `);
  const line = await new Promise<string>((resolve) => {
    let data = '';
    const onData = (chunk: Buffer) => {
      data += chunk.toString('utf8');
      if (data.includes('\n')) finish();
    };
    const finish = () => {
      ctx.stdin.off('data', onData);
      ctx.stdin.off('end', finish);
      ctx.stdin.pause();
      resolve(data.split('\n')[0]);
    };
    ctx.stdin.on('data', onData);
    ctx.stdin.on('end', finish);
    ctx.stdin.resume();
  });
  return /^y(es)?$/i.test(line.trim());
}
