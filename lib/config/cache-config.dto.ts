import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsPositive,
  IsString,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { isCredentialProvider } from './credential-rules.js';

/**
 * The shape of one cache config, as class-validator DTOs. Only types and ranges live here;
 * what needs resolving (class names, URLs, Sentinel rules) is checked in `validate-caches.ts`.
 * Property names are the public option names, so a validation error's path is the option path.
 */

/** A property decorator factory for a custom rule: `validate` passes, or the rule says `message`. */
function rule(
  name: string,
  validate: (v: unknown) => boolean,
  message: string,
): (options?: ValidationOptions) => PropertyDecorator {
  return (options) =>
    ValidateBy({ name, validator: { validate, defaultMessage: () => message } }, options);
}

const IsFunctionValue = rule('isFunction', (v) => typeof v === 'function', 'must be a function');

const IsStringOrStringList = rule(
  'isLocation',
  (v) =>
    (typeof v === 'string' && v.trim() !== '') ||
    (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.trim() !== '')),
  'must be a non-empty URL string, comma-separated URLs, or a non-empty list of URLs',
);

/** A class, a name, or an instance: resolved later against the registries. */
const IsNamedOrObject = rule(
  'isNamed',
  (v) =>
    (typeof v === 'string' && v.trim() !== '') ||
    typeof v === 'function' ||
    (typeof v === 'object' && v !== null),
  'must be a class, a registered name, or an instance',
);

const IsSentinelList = rule(
  'isSentinelList',
  (v) => Array.isArray(v),
  'must be a list of [host, port] pairs or { host, port } objects',
);

const IsTls = rule(
  'isTls',
  (v) => typeof v === 'boolean' || (typeof v === 'object' && v !== null),
  'must be true/false or Node TLS options',
);

const IsCredentialProvider = rule(
  'isCredentialProvider',
  isCredentialProvider,
  'must be an object with a getCredentials() method returning { username?, password }',
);

const SECONDS = { allowNaN: false, allowInfinity: false };

/** `options.sentinelKwargs`. */
export class SentinelKwargsDto {
  @IsOptional() @IsString() username?: string;
  @IsOptional() @IsString() password?: string;
  @IsOptional() @IsTls() tls?: unknown;
  @IsOptional() @IsCredentialProvider() credentialProvider?: unknown;
  @IsOptional() @IsNumber(SECONDS) @Min(0) socketTimeout?: number;
  @IsOptional() @IsNumber(SECONDS) @Min(0) socketConnectTimeout?: number;
}

/** `options.earlyRecompute`. */
export class EarlyRecomputeDto {
  @IsNumber(SECONDS) @IsPositive() beta!: number;
}

/** `options` of a cache (django-valkey's `OPTIONS`). */
export class CacheOptionsDto {
  @IsOptional() @IsNamedOrObject() clientClass?: unknown;
  @IsOptional() @IsNamedOrObject() connectionFactory?: unknown;
  @IsOptional() @IsNamedOrObject() connectionPoolClass?: unknown;
  @IsOptional() @IsObject() connectionPoolKwargs?: Record<string, unknown>;
  @IsOptional() @IsSentinelList() sentinels?: unknown[];
  @IsOptional() @IsObject() @ValidateNested() sentinelKwargs?: SentinelKwargsDto;
  // A list (a fallback chain) passes here; its members are checked in resolve-codecs.ts.
  @IsOptional() @IsNamedOrObject() serializer?: unknown;
  @IsOptional() @IsNamedOrObject() compressor?: unknown;
  @IsOptional() @IsInt() @Min(0) compressMinLength?: number;
  // The range depends on the compressor: checked against its `levels` in validate-caches.ts.
  @IsOptional() @IsInt() compressLevel?: number;
  @IsOptional() @IsBoolean() ignoreExceptions?: boolean;
  @IsOptional() @IsBoolean() logIgnoredExceptions?: boolean;
  @IsOptional() @IsBoolean() undecodableAsMiss?: boolean;
  @IsOptional() @IsNumber(SECONDS) @Min(0.001) socketTimeout?: number;
  @IsOptional() @IsNumber(SECONDS) @Min(0.001) socketConnectTimeout?: number;
  @IsOptional() @IsString() username?: string;
  @IsOptional() @IsString() password?: string;
  @IsOptional() @IsCredentialProvider() credentialProvider?: unknown;
  @IsOptional() @IsBoolean() closeConnection?: boolean;
  @IsOptional() @IsBoolean() replicaReadOnly?: boolean;
  // The range (>= 0) is checked by HerdClient.validateCacheConfig, which names the client.
  @IsOptional() @IsNumber(SECONDS) herdTimeout?: number;
  @IsOptional() @IsObject() @ValidateNested() earlyRecompute?: EarlyRecomputeDto;
  @IsOptional() @IsIn(['master', 'slave', 'all']) scaleReads?: 'master' | 'slave' | 'all';
}

/** One cache (django-valkey's `CACHES[alias]`). */
export class CacheConfigDto {
  @IsOptional() @IsString() backend?: string;
  @IsStringOrStringList() location!: string | string[];
  @ValidateIf((_o, v) => v !== null && v !== undefined)
  @IsNumber(SECONDS, { message: 'must be a number of seconds or null (never expires)' })
  timeout?: number | null;
  @IsOptional() @IsString() keyPrefix?: string;
  @IsOptional() @IsInt() version?: number;
  @IsOptional() @IsFunctionValue() keyFunction?: unknown;
  @IsOptional() @IsFunctionValue() reverseKeyFunction?: unknown;
  @IsOptional() @IsObject() @ValidateNested() options?: CacheOptionsDto;
}
