import { Module } from '@nestjs/common';
import { CacheModule } from 'nestjs-valkey-cache';
import { AppController } from './app.controller';
import { AppService } from './app.service';

@Module({
  imports: [
    CacheModule.forRoot({
      default: { location: process.env.VALKEY_URL ?? 'valkey://127.0.0.1:6379/0' },
    }),
  ],
  controllers: [AppController],
  providers: [AppService],
})
export class AppModule {}
