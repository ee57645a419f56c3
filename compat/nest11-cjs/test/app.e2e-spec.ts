import { INestApplication } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import request from 'supertest';
import { App } from 'supertest/types';
import { getCacheToken, ValkeyCache } from 'nestjs-valkey-cache';
import { AppModule } from './../src/app.module';

// The e2e spec of a stock Nest 11 app, against the real valkey-server named by VALKEY_URL.
describe('AppController (e2e)', () => {
  let app: INestApplication<App>;

  beforeEach(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication();
    await app.init();
  });

  afterEach(async () => {
    await app.close();
  });

  it('/greeting/:name (GET) caches the greeting on the server', async () => {
    const name = `e2e-${process.pid}-${Date.now()}`;
    await request(app.getHttpServer())
      .get(`/greeting/${name}`)
      .expect(200)
      .expect({ greeting: `Hello ${name}!`, cached: false });
    await request(app.getHttpServer())
      .get(`/greeting/${name}`)
      .expect(200)
      .expect({ greeting: `Hello ${name}!`, cached: true });

    // Django's key layout (prefix:version:key) and the JSON serializer, read back raw.
    const cache = app.get<ValkeyCache>(getCacheToken());
    expect(await cache.getClient().get(`:1:greeting:${name}`)).toBe(
      JSON.stringify(`Hello ${name}!`),
    );
  });
});
