function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

const fold = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');

/**
 * The closest of `candidates` to `word`, if close enough to be a likely typo (`sentinal` ->
 * `sentinels`) or django-valkey's Django spelling (`CLIENT_CLASS` -> `clientClass`).
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const w = fold(word);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const f = fold(c);
    const score = f === w ? 0 : f.startsWith(w) || w.startsWith(f) ? 1 : distance(w, f);
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(w.length / 3))
    ? best
    : undefined;
}

/** `" (did you mean 'x'?)"` or `""`. */
export function hint(word: string, candidates: readonly string[]): string {
  const m = didYouMean(word, candidates);
  return m === undefined ? '' : ` (did you mean '${m}'?)`;
}
