import { Inject } from '@nestjs/common';
import { getCacheToken, getSentinelClientToken } from './tokens.js';

/** Injects the `ValkeyCache` of `alias` (default `'default'`). */
export const InjectCache = (alias = 'default'): PropertyDecorator & ParameterDecorator =>
  Inject(getCacheToken(alias));

/** Injects the `SentinelClient` of the Sentinel cache `alias` (default `'default'`). */
export const InjectSentinelClient = (alias = 'default'): PropertyDecorator & ParameterDecorator =>
  Inject(getSentinelClientToken(alias));
