import { ClassRegistry } from '../config/class-registry.js';
import { DefaultClient } from './default.client.js';

/** Client classes by name (`'DefaultClient'`, `'django_valkey.client.DefaultClient'`, …). */
export const clientClasses = new ClassRegistry<DefaultClient>('client class').register(DefaultClient);
