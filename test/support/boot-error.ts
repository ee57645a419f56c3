import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import {
  CacheConfigError,
  CacheModule,
  type CacheModuleOptions,
  type CachesConfig,
} from '../../lib/index.js';

/**
 * Boots a testing module with `caches` and returns the `CacheConfigError` it must fail with;
 * throws when boot succeeds or fails with anything else.
 */
export async function bootError(
  caches: unknown,
  moduleOptions?: CacheModuleOptions,
): Promise<CacheConfigError> {
  try {
    const ref = await Test.createTestingModule({
      imports: [CacheModule.forRoot(caches as CachesConfig, moduleOptions)],
    }).compile();
    await ref.close();
  } catch (err) {
    if (err instanceof CacheConfigError) return err;
    throw err;
  }
  throw new Error('boot succeeded but should have failed with a CacheConfigError');
}
