/** Docker's detach-key sequences ("ctrl-p,ctrl-q" by default) found in a stdin byte stream. */
import { invalidArgument } from '../lib/index.ts';

export function parseDetachKeys(spec: string): number[] {
  if (spec === '') return [];
  return spec.split(',').map((k) => {
    const key = k.trim().toLowerCase();
    if (key.length === 1) return key.charCodeAt(0);
    const m = /^ctrl-(.)$/.exec(key);
    if (!m) throw invalidArgument(`Unknown character: '${k}'`);
    const c = m[1];
    if (c >= 'a' && c <= 'z') return c.charCodeAt(0) - 96;
    const special: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, '_': 31 };
    if (c in special) return special[c];
    throw invalidArgument(`Unknown character: '${k}'`);
  });
}

export class DetachKeyMatcher {
  private readonly keys: number[];
  private matched = 0;

  constructor(spec = 'ctrl-p,ctrl-q') {
    this.keys = parseDetachKeys(spec);
  }

  /** Returns the bytes to pass through (a partial match is held back until it resolves). */
  feed(chunk: Buffer): { pass: Buffer; detached: boolean } {
    if (this.keys.length === 0) return { pass: chunk, detached: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { pass: Buffer.from(out), detached: true };
        continue;
      }
      if (this.matched > 0) out.push(...this.keys.slice(0, this.matched));
      this.matched = b === this.keys[0] ? 1 : 0;
      if (this.matched === 0) out.push(b);
    }
    return { pass: Buffer.from(out), detached: false };
  }
}
