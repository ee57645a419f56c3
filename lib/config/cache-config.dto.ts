import {
  IsBoolean,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';

/**
 * The shape of one cache config, as class-validator DTOs. Only types and ranges live here;
 * what needs resolving (class names, URLs, Sentinel rules) is checked in `validate-caches.ts`.
 * Property names are the public option names, so a validation error's path is the option path.
 */

function IsFunctionValue(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isFunction',
      validator: {
        validate: (v: unknown) => typeof v === 'function',
        defaultMessage: () => 'must be a function',
      },
    },
    options,
  );
}

function IsStringOrStringList(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLocation',
      validator: {
        validate: (v: unknown) =>
          (typeof v === 'string' && v.trim() !== '') ||
          (Array.isArray(v) &&
            v.length > 0 &&
            v.every((s) => typeof s === 'string' && s.trim() !== '')),
        defaultMessage: () =>
          'must be a non-empty URL string, comma-separated URLs, or a non-empty list of URLs',
      },
    },
    options,
  );
}

/** A class, a name, or an instance: resolved later against the registries. */
function IsNamedOrObject(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNamed',
      validator: {
        validate: (v: unknown) =>
          (typeof v === 'string' && v.trim() !== '') ||
          typeof v === 'function' ||
          (typeof v === 'object' && v !== null),
        defaultMessage: () => 'must be a class, a registered name, or an instance',
      },
    },
    options,
  );
}

function IsSentinelList(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSentinelList',
      validator: {
        validate: (v: unknown) => Array.isArray(v),
        defaultMessage: () => 'must be a list of [host, port] pairs or { host, port } objects',
      },
    },
    options,
  );
}

const SECONDS = { allowNaN: false, allowInfinity: false };

/** `options.sentinelKwargs`. */
export class SentinelKwargsDto {
  @IsOptional() @IsString() username?: string;
  @IsOptional() @IsString() password?: string;
  @IsOptional()
  @ValidateBy({
    name: 'isTls',
    validator: {
      validate: (v: unknown) => typeof v === 'boolean' || (typeof v === 'object' && v !== null),
      defaultMessage: () => 'must be true/false or Node TLS options',
    },
  })
  tls?: unknown;
  @IsOptional() @IsNumber(SECONDS) @Min(0) socketTimeout?: number;
  @IsOptional() @IsNumber(SECONDS) @Min(0) socketConnectTimeout?: number;
}

/** `options` of a cache (the seed's `OPTIONS`). */
export class CacheOptionsDto {
  @IsOptional() @IsNamedOrObject() clientClass?: unknown;
  @IsOptional() @IsNamedOrObject() connectionFactory?: unknown;
  @IsOptional() @IsNamedOrObject() connectionPoolClass?: unknown;
  @IsOptional() @IsObject() connectionPoolKwargs?: Record<string, unknown>;
  @IsOptional() @IsSentinelList() sentinels?: unknown[];
  @IsOptional() @IsObject() @ValidateNested() sentinelKwargs?: SentinelKwargsDto;
  @IsOptional() @IsNamedOrObject() serializer?: unknown;
  @IsOptional() @IsNamedOrObject() compressor?: unknown;
  @IsOptional() @IsInt() @Min(0) compressMinLength?: number;
  @IsOptional() @IsInt() @Min(-1) @Max(22) compressLevel?: number;
  @IsOptional() @IsBoolean() ignoreExceptions?: boolean;
  @IsOptional() @IsBoolean() logIgnoredExceptions?: boolean;
  @IsOptional() @IsNumber(SECONDS) @Min(0.001) socketTimeout?: number;
  @IsOptional() @IsNumber(SECONDS) @Min(0.001) socketConnectTimeout?: number;
  @IsOptional() @IsString() username?: string;
  @IsOptional() @IsString() password?: string;
  @IsOptional() @IsBoolean() closeConnection?: boolean;
  @IsOptional() @IsBoolean() replicaReadOnly?: boolean;
}

/** One cache (the seed's `CACHES[alias]`). */
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
