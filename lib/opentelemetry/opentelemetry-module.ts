import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type ModuleMetadata,
  type Type,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import type { ValkeyCache } from '../cache/valkey-cache.js';
import { CacheHandler } from '../module/cache-handler.js';
import { instrumentCaches, type CacheInstrumentation } from './instrument-caches.js';
import {
  checkTelemetryOptions,
  type ValkeyCacheOpenTelemetryOptions,
} from './telemetry-options.js';

/** Injection token of the checked options of `ValkeyCacheOpenTelemetryModule.forRoot`. */
export const VALKEY_OPENTELEMETRY_OPTIONS = Symbol.for(
  'nestjs-valkey-cache:VALKEY_OPENTELEMETRY_OPTIONS',
);

/** Options of `ValkeyCacheOpenTelemetryModule.forRootAsync`. */
export interface ValkeyCacheOpenTelemetryAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Providers to inject into `useFactory`. */
  inject?: Array<string | symbol | Type<unknown> | (abstract new (...args: never[]) => unknown)>;
  /** Returns the options (checked as `forRoot` checks them, when the app boots). */
  useFactory: (
    ...args: never[]
  ) => ValkeyCacheOpenTelemetryOptions | Promise<ValkeyCacheOpenTelemetryOptions>;
}

/**
 * Instruments every cache of every `CacheModule` of the application when the module
 * initialises ({@link instrumentCaches}), and detaches on shutdown. Owned by its module
 * instance: two applications in one process instrument their own caches.
 */
@Injectable()
export class CacheTelemetry implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private instrumentation: CacheInstrumentation | undefined;

  constructor(
    @Inject(VALKEY_OPENTELEMETRY_OPTIONS) private readonly options: ValkeyCacheOpenTelemetryOptions,
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
  ) {}

  /** The aliases that export spans or metrics (empty before the module initialised). */
  get aliases(): readonly string[] {
    return this.instrumentation?.aliases ?? [];
  }

  /** Instruments every cache of every `CacheHandler` of the application. */
  onModuleInit(): void {
    const handlers = new Set(
      this.discovery
        .getProviders()
        .map((w) => w.instance as unknown)
        .filter((i): i is CacheHandler => i instanceof CacheHandler),
    );
    const caches: ValkeyCache[] = [...handlers].flatMap((h) => h.aliases().map((a) => h.get(a)));
    this.instrumentation = instrumentCaches(caches, this.options);
  }

  /** Detaches the instrumentation. */
  onModuleDestroy(): void {
    this.detach();
  }

  /** Detaches the instrumentation (also when only shutdown hooks run). */
  onApplicationShutdown(): void {
    this.detach();
  }

  private detach(): void {
    this.instrumentation?.detach();
    this.instrumentation = undefined;
  }
}

/**
 * OpenTelemetry traces and metrics of the application's caches: import it next to
 * `CacheModule.forRoot(...)`. Needs the optional peer `@opentelemetry/api`; spans and metrics go
 * to the global tracer and meter providers (or the ones given) that the application registers.
 * The options are checked here, and the aliases they name when the application boots; either
 * failure names the option path.
 */
@Module({})
export class ValkeyCacheOpenTelemetryModule {
  /** The module with `options`, checked now (an error names the option path). */
  static forRoot(options: ValkeyCacheOpenTelemetryOptions = {}): DynamicModule {
    const checked = checkTelemetryOptions(options);
    return {
      module: ValkeyCacheOpenTelemetryModule,
      imports: [DiscoveryModule],
      providers: [{ provide: VALKEY_OPENTELEMETRY_OPTIONS, useValue: checked }, CacheTelemetry],
      exports: [CacheTelemetry],
    };
  }

  /** {@link forRoot} with options from a factory (e.g. one that injects a `ConfigService`). */
  static forRootAsync(options: ValkeyCacheOpenTelemetryAsyncOptions): DynamicModule {
    const useFactory = options.useFactory as (
      ...args: unknown[]
    ) => ValkeyCacheOpenTelemetryOptions | Promise<ValkeyCacheOpenTelemetryOptions>;
    return {
      module: ValkeyCacheOpenTelemetryModule,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      providers: [
        {
          provide: VALKEY_OPENTELEMETRY_OPTIONS,
          useFactory: async (...args: unknown[]) =>
            checkTelemetryOptions(await useFactory(...args)),
          inject: options.inject ?? [],
        },
        CacheTelemetry,
      ],
      exports: [CacheTelemetry],
    };
  }
}
