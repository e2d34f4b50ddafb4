/** Newline-delimited JSON, as the Engine API streams progress, events and build output. */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value) + '\n';
}

/** Incremental decoder for a byte stream of JSON values separated by newlines. */
export class JsonLinesDecoder {
  private rest = '';
  private readonly onValue: (value: unknown) => void;
  constructor(onValue: (value: unknown) => void) {
    this.onValue = onValue;
  }

  push(chunk: Uint8Array | string): void {
    this.rest += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    let nl: number;
    while ((nl = this.rest.indexOf('\n')) >= 0) {
      const line = this.rest.slice(0, nl).trim();
      this.rest = this.rest.slice(nl + 1);
      if (line) this.onValue(JSON.parse(line));
    }
  }

  end(): void {
    const line = this.rest.trim();
    this.rest = '';
    if (line) this.onValue(JSON.parse(line));
  }
}
