/**
 * Upload state carried by the client in the Location URL's `_state` query (distribution's hmac.go idea): the
 * server keeps no upload sessions in memory, so any server process sharing the root (or a restarted one) can
 * continue an upload. The token is `base64url(json).base64url(hmac-sha256(json))`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface UploadState {
  name: string;
  id: string;
  /** Bytes received when the token was issued. */
  offset: number;
  startedAt: string;
}

export class UploadStateSigner {
  private readonly key: Uint8Array;
  constructor(key: Uint8Array) {
    if (key.byteLength < 16) throw new Error('upload-state key too short');
    this.key = key;
  }

  sign(s: UploadState): string {
    const json = Buffer.from(JSON.stringify({ name: s.name, id: s.id, offset: s.offset, startedAt: s.startedAt }));
    return `${json.toString('base64url')}.${this.mac(json).toString('base64url')}`;
  }

  /** The state in a token, or undefined when the token is malformed or its signature is wrong. */
  verify(token: string): UploadState | undefined {
    const dot = token.indexOf('.');
    if (dot < 0) return undefined;
    const json = Buffer.from(token.slice(0, dot), 'base64url');
    const sig = Buffer.from(token.slice(dot + 1), 'base64url');
    const want = this.mac(json);
    if (sig.length !== want.length || !timingSafeEqual(sig, want)) return undefined;
    try {
      const v = JSON.parse(json.toString('utf8')) as UploadState;
      if (typeof v.name !== 'string' || typeof v.id !== 'string' || !Number.isSafeInteger(v.offset) || typeof v.startedAt !== 'string') return undefined;
      return v;
    } catch {
      return undefined;
    }
  }

  private mac(b: Uint8Array): Buffer {
    return createHmac('sha256', this.key).update(b).digest();
  }
}
