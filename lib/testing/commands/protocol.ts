// The wire-level pieces every command shares: reply builders, Valkey's error replies and the
// parsing of arguments (integers, floats) with the server's rules.
import { ReplyError } from 'iovalkey';

export const NOT_SUPPORTED = 'not supported by the in-memory store of nestjs-valkey-cache/testing';
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export const ok = (): Buffer => Buffer.from('OK');
export const status = (s: string): Buffer => Buffer.from(s);
export const bin = (k: string): Buffer => Buffer.from(k, 'latin1');
export const keyOf = (b: Buffer): string => b.toString('latin1');
export const text = (b: Buffer): string => b.toString('utf8');
export const upper = (b: Buffer | undefined): string =>
  b === undefined ? '' : text(b).toUpperCase();

export function replyError(message: string): Error {
  return new ReplyError(message) as Error;
}

export const err = {
  syntax: () => replyError('ERR syntax error'),
  notInteger: () => replyError('ERR value is not an integer or out of range'),
  notFloat: () => replyError('ERR value is not a valid float'),
  overflow: () => replyError('ERR increment or decrement would overflow'),
  wrongType: () => replyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
  noSuchKey: () => replyError('ERR no such key'),
  expireTime: (cmd: string) => replyError(`ERR invalid expire time in '${cmd}' command`),
};

/** Valkey's `string2ll`: an int64 written canonically ("007", "+1", " 1", "-0" are refused). */
export function parseInt64(b: Buffer): bigint | undefined {
  const s = text(b);
  if (!/^(0|-?[1-9][0-9]{0,19})$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

export function int(b: Buffer | undefined): number {
  const n = b === undefined ? undefined : parseInt64(b);
  if (n === undefined) throw err.notInteger();
  return Number(n);
}

export function float(b: Buffer): number {
  const s = text(b).trim();
  if (s === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw err.notFloat();
  return Number(s);
}

export function toArg(a: string | Buffer | number): Buffer {
  return Buffer.isBuffer(a) ? a : Buffer.from(String(a));
}
