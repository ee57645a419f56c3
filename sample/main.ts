import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { AppModule } from './app.module.js';

/** Boots the sample app on `port` (0 picks a free one) and returns it. */
export async function bootstrap(
  port = Number(process.env['PORT'] ?? 3000),
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn', 'log'] });
  await app.listen(port, '127.0.0.1');
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = await bootstrap();
  app.enableShutdownHooks();
  console.log(`sample listening on ${await app.getUrl()}`);
}
