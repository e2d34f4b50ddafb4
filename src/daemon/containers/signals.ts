/** Signal names and numbers as Docker accepts them: "KILL", "SIGKILL", "9". */
import { constants } from 'node:os';
import { invalidArgument } from '../../lib/index.ts';

export function signalNumber(sig: string | number): number {
  if (typeof sig === 'number') return sig;
  const s = sig.trim().toUpperCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n > 0 && n <= 64) return n;
  }
  const name = s.startsWith('SIG') ? s : `SIG${s}`;
  const n = (constants.signals as Record<string, number>)[name];
  if (n) return n;
  const rt = /^SIGRTMIN(\+(\d+))?$/.exec(name);
  if (rt) return 34 + Number(rt[2] ?? 0);
  throw invalidArgument(`Invalid signal: ${sig}`);
}
