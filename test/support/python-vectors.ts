// The bytes Python wrote (test/fixtures/python-vectors/vectors.json), shared by the interop specs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The path of a file of test/fixtures/python-vectors/. */
export const pythonFixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/python-vectors/${name}`, import.meta.url));

/** The shape of vectors.json (hex strings unless said otherwise). */
export interface PythonVectors {
  generator: Record<string, string>;
  raw: Record<string, string>;
  json: Record<string, string>;
  msgpack: Record<string, string>;
  payload: string;
  compressed: Record<string, string>;
  large: { length: number; sha256: string; compressed: Record<string, string> };
  django: Record<string, string>;
}

/** vectors.json, parsed. */
export function loadPythonVectors(): PythonVectors {
  return JSON.parse(readFileSync(pythonFixture('vectors.json'), 'utf8')) as PythonVectors;
}
