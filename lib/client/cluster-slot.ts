// CRC16/XMODEM (polynomial 0x1021), the hash Valkey Cluster uses for key slots.
const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let j = 0; j < 8; j++)
    crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

/**
 * The cluster slot (0-16383) of a key: CRC16 of the key, or of its hash tag — the text between
 * the first `{` and the next `}` when that text is not empty — as Valkey Cluster computes it.
 */
export function clusterSlot(key: string): number {
  let bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b); // '{'
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1); // '}'
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc & 0x3fff;
}

/** Keys of one cluster slot, with their positions in the list they came from. */
export interface SlotGroup {
  readonly slot: number;
  readonly keys: string[];
  readonly indexes: number[];
}

/**
 * Groups `keys` by {@link clusterSlot}, in order of first appearance; each group keeps its keys
 * in list order with their positions in `keys` (a multi-key command may only name one slot).
 */
export function groupBySlot(keys: readonly string[]): SlotGroup[] {
  const bySlot = new Map<number, SlotGroup>();
  keys.forEach((key, i) => {
    const slot = clusterSlot(key);
    let group = bySlot.get(slot);
    if (!group) {
      group = { slot, keys: [], indexes: [] };
      bySlot.set(slot, group);
    }
    group.keys.push(key);
    group.indexes.push(i);
  });
  return [...bySlot.values()];
}
