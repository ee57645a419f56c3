import { ClassRegistry } from '../../util/class-registry.js';
import { JsonSerializer } from './json-serializer.js';
import { MsgpackSerializer } from './msgpack-serializer.js';
import type { Serializer } from './serializer.js';

/**
 * Serializers a config may name. Each resolves by short name, class name or django-valkey's
 * dotted path: `'json'`, `'JSONSerializer'`, `'django_valkey.serializers.json.JSONSerializer'`
 * -> {@link JsonSerializer} (the default); `'msgpack'`, `'MSGPackSerializer'`,
 * `'django_valkey.serializers.msgpack.MSGPackSerializer'` -> {@link MsgpackSerializer}.
 */
export const serializers: ClassRegistry<Serializer> = new ClassRegistry<Serializer>('serializer')
  .register(JsonSerializer, 'json', 'JSONSerializer')
  .register(MsgpackSerializer, 'msgpack', 'MSGPackSerializer');

/**
 * Serializer names django-valkey accepts that this module deliberately does not, with the reason
 * to show in a config error. Keys are short names; resolve dotted paths with
 * {@link unsupportedSerializerReason}.
 */
export const knownUnsupported: ReadonlyMap<string, string> = new Map([
  [
    'pickle',
    'not supported: pickle is a Python-only format (a Node service cannot read or write it safely); ' +
      "switch both services to 'json' or 'msgpack'",
  ],
  [
    'PickleSerializer',
    'not supported: pickle is a Python-only format (a Node service cannot read or write it safely); ' +
      "switch both services to 'json' or 'msgpack'",
  ],
]);

/**
 * The reason a serializer name (short name or dotted Django path, e.g.
 * `'django_valkey.serializers.pickle.PickleSerializer'`) is unsupported, or `undefined`.
 */
export function unsupportedSerializerReason(name: string): string | undefined {
  return knownUnsupported.get(name) ?? knownUnsupported.get(name.slice(name.lastIndexOf('.') + 1));
}
