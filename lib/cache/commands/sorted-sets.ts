import { CacheArgumentError } from '../../errors.js';
import { MISSING, describe } from '../cache-core.js';
import type {
  CacheValue,
  ScoreBound,
  ScoredMembers,
  VersionOption,
  ZaddOptions,
  ZrangeByScoreOptions,
  ZrangeOptions,
} from '../cache-options.js';

import { boundArg, intArg, parseScore, scoreArg } from './command-args.js';
import { HashCommands } from './hashes.js';

/**
 * Sorted sets (django-valkey's sorted-set commands): the key prefixed and versioned, members
 * encoded like values (the bytes a Django peer writes), scores as numbers.
 */
export class SortedSetCommands extends HashCommands {
  private pairsOf(members: ScoredMembers): ReadonlyArray<readonly [CacheValue, number]> {
    if (members instanceof Map) return [...(members as ReadonlyMap<CacheValue, number>)];
    if (Array.isArray(members)) return members as ReadonlyArray<readonly [CacheValue, number]>;
    if (members === null || typeof members !== 'object') {
      throw new CacheArgumentError(
        `members must be a Map, an array of [member, score] pairs or an object, got ${describe(members)}`,
        this.alias,
      );
    }
    return Object.entries(members as Record<string, number>);
  }

  /** Decodes a flat `member, score, member, score …` reply; undecodable members are skipped. */
  private decodePairs<T>(raws: readonly Buffer[], fullKey: string): Array<[T, number]> {
    const out: Array<[T, number]> = [];
    for (let i = 0; i + 1 < raws.length; i += 2) {
      const member = this.decode(raws[i]!, fullKey, MISSING);
      if (member !== MISSING) out.push([member as T, parseScore(raws[i + 1]!)]);
    }
    return out;
  }

  /** Runs a read that replies members (with scores when `withscores`) and decodes them. */
  private async readRange<T>(
    k: string,
    args: Array<string | number>,
    withscores: boolean | undefined,
  ): Promise<T[] | Array<[T, number]>> {
    if (withscores) args.push('WITHSCORES');
    const [command, ...rest] = args as [string, ...Array<string | number>];
    const raws = (await this.run(() =>
      this.client.clientFor(k, false).callBuffer(command, k, ...rest),
    )) as Buffer[];
    return withscores ? this.decodePairs<T>(raws, k) : this.decodeEach<T>(raws, k);
  }

  /**
   * Adds `members` with their scores to the sorted set at `key` (`ZADD`); returns how many were
   * new (changed, with `ch`). See {@link ZaddOptions} for `nx`, `xx`, `gt`, `lt`.
   */
  zadd(
    key: string,
    members: ScoredMembers,
    opts?: ZaddOptions & { incr?: false | undefined },
  ): Promise<number>;
  /** With `incr`: adds the score to the one member's; returns the new score (`null` when a flag prevented it). */
  zadd(
    key: string,
    members: ScoredMembers,
    opts: ZaddOptions & { incr: true },
  ): Promise<number | null>;
  /** With `opts.incr` only known at run time: the count, or the new score. */
  zadd(key: string, members: ScoredMembers, opts?: ZaddOptions): Promise<number | null>;
  async zadd(key: string, members: ScoredMembers, opts: ZaddOptions = {}): Promise<number | null> {
    const k = this.makeKey(key, opts.version);
    const pairs = this.pairsOf(members);
    const refuse = (why: string): never => {
      throw new CacheArgumentError(`zadd: ${why}`, this.alias);
    };
    if (opts.nx && opts.xx) refuse('nx and xx cannot be combined');
    if (opts.nx && (opts.gt || opts.lt)) refuse('nx cannot be combined with gt or lt');
    if (opts.gt && opts.lt) refuse('gt and lt cannot be combined');
    if (opts.incr && pairs.length !== 1)
      refuse(`incr takes exactly one member, got ${pairs.length}`);
    const args: Array<string | Buffer> = [k];
    if (opts.nx) args.push('NX');
    if (opts.xx) args.push('XX');
    if (opts.gt) args.push('GT');
    if (opts.lt) args.push('LT');
    if (opts.ch) args.push('CH');
    if (opts.incr) args.push('INCR');
    for (const [member, score] of pairs)
      args.push(scoreArg(score, 'score', this.alias), this.encode(member));
    if (pairs.length === 0) return 0;
    const reply = await this.run(() => this.client.clientFor(k, true).call('ZADD', ...args));
    if (opts.incr) return reply === null ? null : parseScore(reply as string);
    return reply as number;
  }

  /** Number of members of the sorted set at `key` (0 when missing). */
  async zcard(key: string, opts?: VersionOption): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    return this.run(() => this.client.clientFor(k, false).zcard(k));
  }

  /** Number of members whose score is between `min` and `max` (inclusive unless `'(x'`). */
  async zcount(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    opts?: VersionOption,
  ): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    const [lo, hi] = [boundArg(min, 'min', this.alias), boundArg(max, 'max', this.alias)];
    return this.run(() => this.client.clientFor(k, false).zcount(k, lo, hi));
  }

  /** Adds `amount` to the score of `member` (a new member starts at 0); returns the new score. */
  async zincrby(
    key: string,
    amount: number,
    member: CacheValue,
    opts?: VersionOption,
  ): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    const a = scoreArg(amount, 'amount', this.alias);
    const m = this.encode(member);
    return parseScore(await this.run(() => this.client.clientFor(k, true).zincrby(k, a, m)));
  }

  /** Removes and returns the member with the highest score as `[member, score]` (`null` when empty). */
  zpopmax<T = unknown>(
    key: string,
    count?: undefined,
    opts?: VersionOption,
  ): Promise<[T, number] | null>;
  /** Removes and returns up to `count` members with the highest scores, highest first. */
  zpopmax<T = unknown>(
    key: string,
    count: number,
    opts?: VersionOption,
  ): Promise<Array<[T, number]>>;
  zpopmax<T>(
    key: string,
    count?: number,
    opts?: VersionOption,
  ): Promise<[T, number] | null | Array<[T, number]>> {
    return this.popScored<T>('ZPOPMAX', key, count, opts);
  }

  /** Removes and returns the member with the lowest score as `[member, score]` (`null` when empty). */
  zpopmin<T = unknown>(
    key: string,
    count?: undefined,
    opts?: VersionOption,
  ): Promise<[T, number] | null>;
  /** Removes and returns up to `count` members with the lowest scores, lowest first. */
  zpopmin<T = unknown>(
    key: string,
    count: number,
    opts?: VersionOption,
  ): Promise<Array<[T, number]>>;
  zpopmin<T>(
    key: string,
    count?: number,
    opts?: VersionOption,
  ): Promise<[T, number] | null | Array<[T, number]>> {
    return this.popScored<T>('ZPOPMIN', key, count, opts);
  }

  private async popScored<T>(
    command: 'ZPOPMAX' | 'ZPOPMIN',
    key: string,
    count: number | undefined,
    opts: VersionOption | undefined,
  ): Promise<[T, number] | null | Array<[T, number]>> {
    const k = this.makeKey(key, opts?.version);
    const args = count === undefined ? [] : [intArg(count, 'count', this.alias)];
    const raws = (await this.run(() =>
      this.client.clientFor(k, true).callBuffer(command, k, ...args),
    )) as Buffer[];
    const pairs = this.decodePairs<T>(raws, k);
    return count === undefined ? (pairs[0] ?? null) : pairs;
  }

  /** Members from index `start` to `end` (inclusive, negative from the end), lowest score first unless `desc`. */
  zrange<T = unknown>(
    key: string,
    start: number,
    end: number,
    opts: ZrangeOptions & { withscores: true },
  ): Promise<Array<[T, number]>>;
  /** Members from index `start` to `end`, without their scores. */
  zrange<T = unknown>(
    key: string,
    start: number,
    end: number,
    opts?: ZrangeOptions & { withscores?: false | undefined },
  ): Promise<T[]>;
  /** Members from index `start` to `end`, with scores when `opts.withscores`. */
  zrange<T = unknown>(
    key: string,
    start: number,
    end: number,
    opts?: ZrangeOptions,
  ): Promise<T[] | Array<[T, number]>>;
  async zrange<T>(
    key: string,
    start: number,
    end: number,
    opts: ZrangeOptions = {},
  ): Promise<T[] | Array<[T, number]>> {
    const k = this.makeKey(key, opts.version);
    const command = opts.desc ? 'ZREVRANGE' : 'ZRANGE';
    const args = [command, intArg(start, 'start', this.alias), intArg(end, 'end', this.alias)];
    return this.readRange<T>(k, args, opts.withscores);
  }

  /** {@link zrange} with the highest score first. */
  zrevrange<T = unknown>(
    key: string,
    start: number,
    end: number,
    opts: Omit<ZrangeOptions, 'desc'> & { withscores: true },
  ): Promise<Array<[T, number]>>;
  /** {@link zrange} with the highest score first, without scores. */
  zrevrange<T = unknown>(
    key: string,
    start: number,
    end: number,
    opts?: Omit<ZrangeOptions, 'desc'> & { withscores?: false | undefined },
  ): Promise<T[]>;
  /** {@link zrange} with the highest score first, with scores when `opts.withscores`. */
  zrevrange<T = unknown>(
    key: string,
    start: number,
    end: number,
    opts?: Omit<ZrangeOptions, 'desc'>,
  ): Promise<T[] | Array<[T, number]>>;
  zrevrange<T>(
    key: string,
    start: number,
    end: number,
    opts: Omit<ZrangeOptions, 'desc'> = {},
  ): Promise<T[] | Array<[T, number]>> {
    return this.zrange<T>(key, start, end, { ...opts, desc: true });
  }

  /** Members with a score between `min` and `max`, lowest first; `offset`/`count` page them. */
  zrangebyscore<T = unknown>(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    opts: ZrangeByScoreOptions & { withscores: true },
  ): Promise<Array<[T, number]>>;
  /** Members with a score between `min` and `max`, without scores. */
  zrangebyscore<T = unknown>(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    opts?: ZrangeByScoreOptions & { withscores?: false | undefined },
  ): Promise<T[]>;
  /** Members with a score between `min` and `max`, with scores when `opts.withscores`. */
  zrangebyscore<T = unknown>(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    opts?: ZrangeByScoreOptions,
  ): Promise<T[] | Array<[T, number]>>;
  zrangebyscore<T>(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    opts: ZrangeByScoreOptions = {},
  ): Promise<T[] | Array<[T, number]>> {
    return this.byScore<T>('ZRANGEBYSCORE', key, min, max, opts);
  }

  /** Members with a score between `max` and `min`, highest first (note the order of the bounds). */
  zrevrangebyscore<T = unknown>(
    key: string,
    max: ScoreBound,
    min: ScoreBound,
    opts: ZrangeByScoreOptions & { withscores: true },
  ): Promise<Array<[T, number]>>;
  /** Members with a score between `max` and `min`, highest first, without scores. */
  zrevrangebyscore<T = unknown>(
    key: string,
    max: ScoreBound,
    min: ScoreBound,
    opts?: ZrangeByScoreOptions & { withscores?: false | undefined },
  ): Promise<T[]>;
  /** Members with a score between `max` and `min`, highest first, with scores when `opts.withscores`. */
  zrevrangebyscore<T = unknown>(
    key: string,
    max: ScoreBound,
    min: ScoreBound,
    opts?: ZrangeByScoreOptions,
  ): Promise<T[] | Array<[T, number]>>;
  zrevrangebyscore<T>(
    key: string,
    max: ScoreBound,
    min: ScoreBound,
    opts: ZrangeByScoreOptions = {},
  ): Promise<T[] | Array<[T, number]>> {
    return this.byScore<T>('ZREVRANGEBYSCORE', key, max, min, opts);
  }

  private async byScore<T>(
    command: 'ZRANGEBYSCORE' | 'ZREVRANGEBYSCORE',
    key: string,
    first: ScoreBound,
    second: ScoreBound,
    opts: ZrangeByScoreOptions,
  ): Promise<T[] | Array<[T, number]>> {
    const k = this.makeKey(key, opts.version);
    const [a, b] = command === 'ZRANGEBYSCORE' ? ['min', 'max'] : ['max', 'min'];
    const args: Array<string | number> = [
      command,
      boundArg(first, a!, this.alias),
      boundArg(second, b!, this.alias),
    ];
    if (opts.offset !== undefined || opts.count !== undefined) {
      const offset = opts.offset === undefined ? 0 : intArg(opts.offset, 'offset', this.alias);
      const count = opts.count === undefined ? -1 : intArg(opts.count, 'count', this.alias);
      args.push('LIMIT', offset, count);
    }
    return this.readRange<T>(k, args, opts.withscores);
  }

  /** Rank of `member` (0 for the lowest score), or `null` when it is not in the sorted set. */
  async zrank(key: string, member: CacheValue, opts?: VersionOption): Promise<number | null> {
    const k = this.makeKey(key, opts?.version);
    const m = this.encode(member);
    return this.run(() => this.client.clientFor(k, false).zrank(k, m));
  }

  /** Removes `members` from the sorted set at `key`; returns how many were there. */
  async zrem(key: string, members: readonly CacheValue[], opts?: VersionOption): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    const encoded = members.map((m) => this.encode(m));
    if (encoded.length === 0) return 0;
    return this.run(() => this.client.clientFor(k, true).zrem(k, ...encoded));
  }

  /** Removes the members whose score is between `min` and `max`; returns how many. */
  async zremrangebyscore(
    key: string,
    min: ScoreBound,
    max: ScoreBound,
    opts?: VersionOption,
  ): Promise<number> {
    const k = this.makeKey(key, opts?.version);
    const [lo, hi] = [boundArg(min, 'min', this.alias), boundArg(max, 'max', this.alias)];
    return this.run(() => this.client.clientFor(k, true).zremrangebyscore(k, lo, hi));
  }

  /** The score of `member`, or `null` when it is not in the sorted set. */
  async zscore(key: string, member: CacheValue, opts?: VersionOption): Promise<number | null> {
    const k = this.makeKey(key, opts?.version);
    const m = this.encode(member);
    const raw = await this.run(() => this.client.clientFor(k, false).zscore(k, m));
    return raw === null ? null : parseScore(raw);
  }
}
