/** Layer chain ids as the OCI image spec defines them (config.md "Layer ChainID"). */
import { createHash } from 'node:crypto';
import type { ChainId, Digest } from './image-spec.ts';

/** ChainID(L0) = DiffID(L0); ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)). */
export function chainId(diffIds: readonly Digest[]): ChainId {
  return chainIds(diffIds).at(-1) ?? throwEmpty();
}

/** The chain id of every prefix of the layer list: result[i] = ChainID(L0..i). */
export function chainIds(diffIds: readonly Digest[]): ChainId[] {
  const out: ChainId[] = [];
  let prev: string | undefined;
  for (const d of diffIds) {
    prev = prev === undefined ? d : `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}`;
    out.push(prev as ChainId);
  }
  return out;
}

function throwEmpty(): never {
  throw new Error('chainId: no layers');
}
