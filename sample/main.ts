import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { AppModule } from './app.module.js';

/** Options of {@link bootstrap}. */
export interface BootstrapOptions {
  /** Port on 127.0.0.1 (default `PORT` or 3000; 0 picks a free one). */
  port?: number;
  /** Where the cache settings come from (default `process.env`, see `sampleCaches`). */
  env?: NodeJS.ProcessEnv;
  /** Nest logger: levels, a logger, or `false` (default errors, warnings and logs). */
  logger?: LogLevel[] | LoggerService | false;
}

/** Boots the sample app on 127.0.0.1 and returns it (listening). */
export async function bootstrap(options: BootstrapOptions = {}): Promise<INestApplication> {
  const env = options.env ?? process.env;
  const app = await NestFactory.create(AppModule.forEnv(env), {
    logger: options.logger ?? ['error', 'warn', 'log'],
  });
  await app.listen(options.port ?? Number(env['PORT'] ?? 3000), '127.0.0.1');
  return app;
}

/** The URL of a listening app, with `127.0.0.1` rather than `[::1]`. */
export async function appUrl(app: INestApplication): Promise<string> {
  return (await app.getUrl()).replace('[::1]', '127.0.0.1');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = await bootstrap();
  app.enableShutdownHooks();
  console.log(`sample listening on ${await appUrl(app)}`);
}
