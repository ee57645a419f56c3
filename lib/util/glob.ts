// Valkey glob patterns (`SCAN MATCH`, `KEYS`): escaping literal text into a pattern, and matching
// a pattern the way the server does (used by the in-memory store of the testing kit).

/** Escapes glob metacharacters so they match literally in `SCAN MATCH`/`KEYS`. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Valkey's glob matching (`stringmatchlen` in util.c), byte for byte: `*` any run of bytes, `?`
 * one byte, `[abc]`, `[^abc]`, `[a-z]` classes, `\` escapes the next character (also inside a
 * class). Subject and pattern are "binary strings" (one char per byte, latin1), as the in-memory
 * store keeps keys, so a multi-byte UTF-8 character is several bytes here too, as on a server.
 */
export function globMatch(pattern: string, subject: string): boolean {
  return matchFrom(pattern, 0, subject, 0);
}

function matchFrom(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length && si < s.length) {
    const c = p[pi]!;
    if (c === '*') {
      while (p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) {
        if (matchFrom(p, pi + 1, s, k)) return true;
      }
      return false;
    }
    if (c === '?') {
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      pi++;
      const not = p[pi] === '^';
      if (not) pi++;
      let matched = false;
      for (;;) {
        if (pi >= p.length) {
          pi--; // an unterminated class: stop at its last character, as Valkey does
          break;
        }
        const pc = p[pi]!;
        if (pc === '\\' && pi + 1 < p.length) {
          pi++;
          if (p[pi] === s[si]) matched = true;
        } else if (pc === ']') {
          break;
        } else if (p[pi + 1] === '-' && pi + 2 < p.length) {
          let start = p.charCodeAt(pi);
          let end = p.charCodeAt(pi + 2);
          if (start > end) [start, end] = [end, start];
          const code = s.charCodeAt(si);
          if (code >= start && code <= end) matched = true;
          pi += 2;
        } else if (pc === s[si]) {
          matched = true;
        }
        pi++;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      pi++;
      si++;
      continue;
    }
    if (c === '\\' && pi + 1 < p.length) pi++;
    if (p[pi] !== s[si]) return false;
    pi++;
    si++;
  }
  if (si === s.length) {
    while (p[pi] === '*') pi++;
  }
  return pi === p.length && si === s.length;
}
