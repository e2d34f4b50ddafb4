/** IPv4 address and prefix arithmetic on unsigned 32-bit integers (pure). */
import { invalidArgument } from '../lib/index.ts';

export interface Cidr { readonly base: number; readonly bits: number }

export function parseIpv4(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) throw invalidArgument(`invalid IPv4 address: ${s}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw invalidArgument(`invalid IPv4 address: ${s}`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function isIpv4(s: string): boolean {
  try { parseIpv4(s); return true; } catch { return false; }
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Parses "a.b.c.d/n"; the base is masked, so "10.0.0.5/24" becomes 10.0.0.0/24. A bare address is a /32. */
export function parseCidr(s: string): Cidr {
  const [addr, len, extra] = s.split('/');
  const bits = len === undefined ? 32 : Number(len);
  if (extra !== undefined || !/^\d{1,2}$/.test(len ?? '32') || bits > 32) throw invalidArgument(`invalid CIDR address: ${s}`);
  return { base: (parseIpv4(addr!) & maskOf(bits)) >>> 0, bits };
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.base)}/${c.bits}`;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.bits);
}

export function cidrLast(c: Cidr): number {
  return c.base + cidrSize(c) - 1;
}

export function cidrContains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip <= cidrLast(c);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base <= cidrLast(b) && b.base <= cidrLast(a);
}
