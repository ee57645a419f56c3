// Every command of the in-memory store, by lower-case name.
import type { CommandSpec } from './types.js';
import { HASH_COMMANDS } from './hashes.js';
import { KEY_COMMANDS } from './keys.js';
import { LIST_COMMANDS } from './lists.js';
import { SCRIPTING_COMMANDS } from './scripting.js';
import { SERVER_COMMANDS } from './server.js';
import { SET_COMMANDS } from './sets.js';
import { SORTED_SET_COMMANDS } from './sorted-sets.js';
import { STRING_COMMANDS } from './strings.js';

/** The command table: each command's arity, whether it writes, and its handler. */
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  ...STRING_COMMANDS,
  ...KEY_COMMANDS,
  ...SET_COMMANDS,
  ...HASH_COMMANDS,
  ...SORTED_SET_COMMANDS,
  ...LIST_COMMANDS,
  ...SERVER_COMMANDS,
  ...SCRIPTING_COMMANDS,
};
