/**
 * How each compressed format that has a signature is recognised from its first bytes, used by
 * {@link CompressorChain} to pick the decompressor of a stored value. The four rules are
 * mutually exclusive (a payload matches at most one of them), and none matches a value that was
 * stored uncompressed: JSON text starts with `{ [ " t f n N I -`, a digit or white space, and a
 * msgpack value that starts with a byte below `0x80` is a single-byte integer.
 */

/**
 * zlib (RFC 1950): the first byte (CMF) has compression method 8 (deflate) in its low nibble and
 * a window size (CINFO) of at most 7 in its high nibble, `CMF * 256 + FLG` is a multiple of 31
 * (the FCHECK rule), and the preset-dictionary bit (`FLG & 0x20`) is clear, as Python's
 * `zlib.compress` always leaves it. Python writes `78 01`, `78 5e`, `78 9c` or `78 da`.
 */
export function isZlibHeader(data: Uint8Array): boolean {
  if (data.length < 2) return false;
  const cmf = data[0]!;
  const flg = data[1]!;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (cmf * 256 + flg) % 31 === 0 && (flg & 0x20) === 0;
}

/** gzip (RFC 1952): `1f 8b` and compression method `08` (deflate). */
export function isGzipHeader(data: Uint8Array): boolean {
  return data.length >= 3 && data[0] === 0x1f && data[1] === 0x8b && data[2] === 0x08;
}

/**
 * A Zstandard frame (RFC 8878): magic `28 b5 2f fd`. (`28` is also a zlib CMF, but `28 b5`
 * fails the FCHECK rule.) A payload that starts with a skippable frame is not recognised: the
 * skippable magic is shared with LZ4, and neither Python library writes one.
 */
export function isZstdFrame(data: Uint8Array): boolean {
  return (
    data.length >= 4 && data[0] === 0x28 && data[1] === 0xb5 && data[2] === 0x2f && data[3] === 0xfd
  );
}

/** An LZ4 frame: magic `04 22 4d 18` (not the raw block format, which has no signature). */
export function isLz4Frame(data: Uint8Array): boolean {
  return (
    data.length >= 4 && data[0] === 0x04 && data[1] === 0x22 && data[2] === 0x4d && data[3] === 0x18
  );
}
