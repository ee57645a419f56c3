import { createHash } from 'node:crypto';

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** `i` such that `sorted[0..i)` <= `value` < `sorted[i..]` (Python's `bisect.bisect_right`). */
function bisectRight(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (value < sorted[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// Python's `re.compile(r".*\{(.*)\}.*").match(key)`: anchored at the start, `.` is anything but
// `\n`, both stars greedy, so the tag is the text between the last `{` that has a `}` after it
// and the last `}`.
const TAG = /^[^\n]*\{([^\n]*)\}/;

/**
 * The text a key is placed by on the ring (django-valkey's `ShardClient.get_server_name`): the
 * last `{tag}` of the stored key when it has one, else the whole stored key.
 */
export function shardKeyOf(fullKey: string): string {
  const m = TAG.exec(fullKey);
  return m ? m[1]! : fullKey;
}

/**
 * django-valkey's `HashRing` (`django_valkey/hash_ring.py`), bit for bit: `replicas` points per
 * node at `sha256("${node}:${i}")` (hex strings, sorted as strings); a key goes to the point at
 * `bisect_right(points, sha256(key)) - 1`, clamped to the last point (a hash below every point
 * wraps to the last one, as Python's index -1 does).
 */
export class HashRing {
  private readonly points: string[] = [];
  private readonly owners = new Map<string, number>();

  constructor(
    /** Node names: for `ShardClient`, the location URLs as written in the config. */
    readonly nodes: readonly string[],
    readonly replicas = 128,
  ) {
    nodes.forEach((node, index) => {
      for (let i = 0; i < replicas; i++) {
        const point = sha256Hex(`${node}:${i}`);
        this.owners.set(point, index);
        this.points.push(point);
      }
    });
    this.points.sort();
  }

  /** Index in {@link nodes} of the node that owns `key` (hashed as given, no tag handling). */
  nodeIndex(key: string): number {
    if (this.points.length === 0) throw new Error('the hash ring has no nodes');
    let i = bisectRight(this.points, sha256Hex(key)) - 1;
    i = Math.min(i, this.replicas * this.nodes.length - 1);
    if (i < 0) i = this.points.length - 1;
    return this.owners.get(this.points[i]!)!;
  }

  /** The node that owns `key` (django-valkey's `get_node`). */
  getNode(key: string): string {
    return this.nodes[this.nodeIndex(key)]!;
  }
}
