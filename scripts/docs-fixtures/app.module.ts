// The AppModule that documentation snippets import as './app.module' when their page does not
// define one: a plain `default` cache and a Sentinel `sentinel` cache.
import { Module } from '@nestjs/common';
import { CacheModule } from 'nestjs-valkey-cache';

@Module({
  imports: [
    CacheModule.forRoot({
      default: { location: 'valkey://127.0.0.1:6379/0' },
      sentinel: {
        location: 'valkey://mymaster/0',
        options: { clientClass: 'SentinelClient', sentinels: [['127.0.0.1', 26379]] },
      },
    }),
  ],
})
export class AppModule {}
