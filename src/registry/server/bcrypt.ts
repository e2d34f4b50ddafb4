/**
 * bcrypt verification (Provos & Mazières, "A Future-Adaptable Password Scheme", 1999) for htpasswd `$2y$`/`$2b$`/
 * `$2a$` entries, without a dependency. Blowfish's initial P-array and S-boxes are the hexadecimal digits of π's
 * fractional part, so they are computed once (Machin's formula in BigInt) instead of being tabled here.
 */
const P_WORDS = 18;
const S_WORDS = 4 * 256;
const B64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** "OrpheanBeholderScryDoubt", bcrypt's magic plaintext, as six big-endian words. */
const MAGIC = Buffer.from('OrpheanBeholderScryDoubt', 'latin1');

let piWords: Uint32Array | undefined;

/** The first `n` 32-bit words of π's fractional part in binary (0x243F6A88, 0x85A308D3, ...). */
function piFraction(n: number): Uint32Array {
  const bits = BigInt(n * 32 + 64);
  const one = 1n << bits;
  const arctanInv = (x: bigint): bigint => {
    // arctan(1/x) = sum (-1)^k / ((2k+1) x^(2k+1)), in fixed point with `bits` fraction bits.
    let term = one / x;
    let sum = term;
    const x2 = x * x;
    for (let k = 1n; term !== 0n; k++) {
      term /= x2;
      const t = term / (2n * k + 1n);
      sum = k % 2n === 1n ? sum - t : sum + t;
    }
    return sum;
  };
  const pi = 16n * arctanInv(5n) - 4n * arctanInv(239n);
  const frac = (pi % one) >> 64n; // drop the guard bits
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = Number((frac >> BigInt((n - 1 - i) * 32)) & 0xffffffffn);
  return out;
}

function initialState(): { P: Uint32Array; S: Uint32Array } {
  piWords ??= piFraction(P_WORDS + S_WORDS);
  return { P: piWords.slice(0, P_WORDS), S: piWords.slice(P_WORDS) };
}

function encipher(P: Uint32Array, S: Uint32Array, lr: Uint32Array, off: number): void {
  let l = lr[off];
  let r = lr[off + 1];
  l ^= P[0];
  for (let i = 1; i <= 16; i += 2) {
    r ^= (((S[l >>> 24] + S[0x100 | ((l >>> 16) & 0xff)]) ^ S[0x200 | ((l >>> 8) & 0xff)]) + S[0x300 | (l & 0xff)]) ^ P[i];
    l ^= (((S[r >>> 24] + S[0x100 | ((r >>> 16) & 0xff)]) ^ S[0x200 | ((r >>> 8) & 0xff)]) + S[0x300 | (r & 0xff)]) ^ P[i + 1];
  }
  lr[off] = r ^ P[17];
  lr[off + 1] = l;
}

/** Cyclic big-endian 32-bit words of a byte string. */
function streamWord(data: Uint8Array, pos: { i: number }): number {
  let w = 0;
  for (let k = 0; k < 4; k++) {
    w = ((w << 8) | data[pos.i]) >>> 0;
    pos.i = (pos.i + 1) % data.length;
  }
  return w;
}

/** Blowfish key schedule with salt (EksBlowfish ExpandKey); `salt` undefined means an all-zero salt. */
function expandKey(P: Uint32Array, S: Uint32Array, key: Uint8Array, salt: Uint8Array | undefined): void {
  const kp = { i: 0 };
  for (let i = 0; i < P_WORDS; i++) P[i] ^= streamWord(key, kp);
  const sp = { i: 0 };
  const lr = new Uint32Array(2);
  const fill = (arr: Uint32Array, len: number): void => {
    for (let i = 0; i < len; i += 2) {
      if (salt) {
        lr[0] ^= streamWord(salt, sp);
        lr[1] ^= streamWord(salt, sp);
      }
      encipher(P, S, lr, 0);
      arr[i] = lr[0];
      arr[i + 1] = lr[1];
    }
  };
  fill(P, P_WORDS);
  fill(S, S_WORDS);
}

function decodeBase64(s: string, bytes: number): Uint8Array | undefined {
  const out = new Uint8Array(bytes);
  let acc = 0;
  let nbits = 0;
  let o = 0;
  for (const ch of s) {
    const v = B64.indexOf(ch);
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      if (o < bytes) out[o++] = (acc >>> nbits) & 0xff;
    }
  }
  return o === bytes ? out : undefined;
}

function encodeBase64(b: Uint8Array): string {
  let out = '';
  let acc = 0;
  let nbits = 0;
  for (const byte of b) {
    acc = ((acc << 8) | byte) & 0xffff;
    nbits += 8;
    while (nbits >= 6) {
      nbits -= 6;
      out += B64[(acc >>> nbits) & 0x3f];
    }
  }
  if (nbits > 0) out += B64[(acc << (6 - nbits)) & 0x3f];
  return out;
}

/**
 * The bcrypt hash of `password` with the cost and salt of `setting` (`$2y$NN$<22 salt chars>...`), as a full
 * 60-character string; undefined for a malformed setting. Yields to the event loop while it works.
 */
export async function bcryptHash(password: string, setting: string): Promise<string | undefined> {
  const m = setting.match(/^\$(2[aby])\$(\d\d)\$([./A-Za-z0-9]{22})/);
  if (!m) return undefined;
  const cost = Number(m[2]);
  if (cost < 4 || cost > 31) return undefined;
  const salt = decodeBase64(m[3], 16);
  if (!salt) return undefined;
  // The key is the password's bytes with its NUL terminator, at most 72 bytes.
  const pw = Buffer.from(password, 'utf8');
  const key = new Uint8Array(Math.min(pw.length + 1, 72));
  key.set(pw.subarray(0, key.length));
  const { P, S } = initialState();
  expandKey(P, S, key, salt);
  const rounds = 2 ** cost;
  for (let i = 0; i < rounds; i++) {
    expandKey(P, S, key, undefined);
    expandKey(P, S, salt, undefined);
    if ((i & 63) === 63) await new Promise<void>((r) => setImmediate(r));
  }
  const ctext = new Uint32Array(6);
  for (let i = 0; i < 6; i++) ctext[i] = MAGIC.readUInt32BE(i * 4);
  for (let n = 0; n < 64; n++) for (let j = 0; j < 6; j += 2) encipher(P, S, ctext, j);
  const out = Buffer.alloc(24);
  for (let i = 0; i < 6; i++) out.writeUInt32BE(ctext[i], i * 4);
  return `$${m[1]}$${m[2]}$${m[3]}${encodeBase64(out.subarray(0, 23))}`;
}

export async function bcryptVerify(password: string, hash: string): Promise<boolean> {
  const got = await bcryptHash(password, hash);
  if (got === undefined || got.length !== hash.length) return false;
  let diff = 0;
  for (let i = 0; i < got.length; i++) diff |= got.charCodeAt(i) ^ hash.charCodeAt(i);
  return diff === 0;
}
