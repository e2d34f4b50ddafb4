/**
 * Docker's stdcopy framing for non-TTY attach/logs/exec streams: an 8-byte header
 * [stream u8, 0, 0, 0, length u32 big-endian] followed by the payload. 0 stdin, 1 stdout, 2 stderr, 3 systemerr.
 */
export const StdStream = { Stdin: 0, Stdout: 1, Stderr: 2, SystemErr: 3 } as const;
export type StdStream = (typeof StdStream)[keyof typeof StdStream];

export function frame(stream: StdStream, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Incremental decoder: push bytes, receive whole frames. */
export class StdcopyDecoder {
  private buf = Buffer.alloc(0);
  private readonly onFrame: (stream: StdStream, payload: Buffer) => void;
  constructor(onFrame: (stream: StdStream, payload: Buffer) => void) {
    this.onFrame = onFrame;
  }

  push(chunk: Uint8Array): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + len) break;
      this.onFrame(this.buf[0] as StdStream, this.buf.subarray(8, 8 + len));
      this.buf = this.buf.subarray(8 + len);
    }
  }

  get pending(): number {
    return this.buf.length;
  }
}
