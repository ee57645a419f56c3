// Access to a database's stored values: lazy expiry on lookup, type checks (WRONGTYPE), creating
// and dropping collections.
import { err } from './protocol.js';
import type { Context, Entry, StoredValue } from './types.js';

export function lookup(ctx: Context, key: string): Entry | undefined {
  const e = ctx.db.get(key);
  if (e === undefined) return undefined;
  if (e.expiresAt !== undefined && ctx.now > e.expiresAt) {
    ctx.db.delete(key);
    return undefined;
  }
  return e;
}

export function typed<T extends StoredValue['type']>(
  ctx: Context,
  key: string,
  type: T,
): Extract<StoredValue, { type: T }> | undefined {
  const e = lookup(ctx, key);
  if (e === undefined) return undefined;
  if (e.value.type !== type) throw err.wrongType();
  return e.value as Extract<StoredValue, { type: T }>;
}

/** Stores `value` at `key`: an existing key keeps its place (SCAN order), a new one goes last. */
export function store(
  ctx: Context,
  key: string,
  value: StoredValue,
  expiresAt: number | undefined,
): void {
  const e = lookup(ctx, key);
  if (e) {
    e.value = value;
    e.expiresAt = expiresAt;
  } else {
    ctx.db.set(key, { seq: ctx.server.nextSeq(), value, expiresAt });
  }
}

export function stringValue(ctx: Context, key: string): Buffer | null {
  return typed(ctx, key, 'string')?.data ?? null;
}

export function setOf(ctx: Context, key: string, create: boolean): Map<string, number> | undefined {
  const v = typed(ctx, key, 'set');
  if (v || !create) return v?.data;
  const data = new Map<string, number>();
  store(ctx, key, { type: 'set', data }, undefined);
  return data;
}

export function hashOf(
  ctx: Context,
  key: string,
  create: boolean,
): Map<string, { seq: number; value: Buffer }> | undefined {
  const v = typed(ctx, key, 'hash');
  if (v || !create) return v?.data;
  const data = new Map<string, { seq: number; value: Buffer }>();
  store(ctx, key, { type: 'hash', data }, undefined);
  return data;
}

export function listOf(ctx: Context, key: string, create: boolean): Buffer[] | undefined {
  const v = typed(ctx, key, 'list');
  if (v || !create) return v?.data;
  const value: StoredValue = { type: 'list', data: [] };
  store(ctx, key, value, undefined);
  return value.data;
}

export function zsetOf(
  ctx: Context,
  key: string,
  create: boolean,
): Map<string, number> | undefined {
  const v = typed(ctx, key, 'zset');
  if (v || !create) return v?.data;
  const data = new Map<string, number>();
  store(ctx, key, { type: 'zset', data }, undefined);
  return data;
}

/** Deletes `key` when its collection became empty (Valkey never keeps empty collections). */
export function dropIfEmpty(ctx: Context, key: string): void {
  const e = ctx.db.get(key);
  if (!e) return;
  const v = e.value;
  const size = v.type === 'string' ? 1 : v.type === 'list' ? v.data.length : v.data.size;
  if (size === 0) ctx.db.delete(key);
}
