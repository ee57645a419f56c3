import { Module } from '@nestjs/common';
import { CacheModule } from '../lib/index.js';
import { GreetingController } from './greeting.controller.js';
import { sampleCaches } from './sample.config.js';

/** The sample app: a plain cache (`default`) and a Sentinel cache (`sentinel`). */
@Module({
  imports: [
    CacheModule.forRootAsync({
      aliases: ['default', 'sentinel'],
      useFactory: () => sampleCaches(),
    }),
  ],
  controllers: [GreetingController],
})
export class AppModule {}
