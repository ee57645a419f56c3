import { Injectable } from '@nestjs/common';
import { InjectCache, ValkeyCache } from 'nestjs-valkey-cache';

export interface Greeting {
  greeting: string;
  cached: boolean;
}

@Injectable()
export class AppService {
  constructor(@InjectCache() private readonly cache: ValkeyCache) {}

  async greet(name: string): Promise<Greeting> {
    const key = `greeting:${name}`;
    const hit = await this.cache.get<string>(key);
    if (hit !== null) return { greeting: hit, cached: true };
    const greeting = `Hello ${name}!`;
    await this.cache.set(key, greeting, 60 /* seconds */);
    return { greeting, cached: false };
  }
}
