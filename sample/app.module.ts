import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { CacheModule } from '../lib/index.js';
import { ValkeyHealthIndicator } from '../lib/health/index.js';
import { CacheErrorFilter } from './cache-error.filter.js';
import { GreetingController } from './greeting.controller.js';
import { NotesController } from './notes.controller.js';
import { OpsController } from './ops.controller.js';
import { SAMPLE_ALIASES, sampleCaches } from './sample.config.js';

/**
 * The sample app: three caches (`default` on a plain server, `sentinel` and `readonly` on a
 * Sentinel service, see {@link sampleCaches}), a greeting cached by `CacheInterceptor`, a visit
 * counter, notes written on the primary and read on the replicas, `/health` (Terminus) and
 * `/topology`. Cache errors answer `503` ({@link CacheErrorFilter}).
 */
@Module({})
export class AppModule {
  /** The app module with the caches read from `env` (see {@link sampleCaches}). */
  static forEnv(env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TerminusModule.forRoot({ errorLogStyle: 'pretty' }),
        CacheModule.forRootAsync({
          aliases: SAMPLE_ALIASES,
          useFactory: () => sampleCaches(env),
        }),
      ],
      controllers: [GreetingController, NotesController, OpsController],
      providers: [ValkeyHealthIndicator, { provide: APP_FILTER, useClass: CacheErrorFilter }],
    };
  }
}
