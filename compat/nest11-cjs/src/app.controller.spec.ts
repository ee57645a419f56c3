import * as net from 'net';
import { Test, TestingModule } from '@nestjs/testing';
import { VALKEY_CONNECTION_FACTORY } from 'nestjs-valkey-cache';
import { InMemoryConnectionFactory, useInMemoryCaches } from 'nestjs-valkey-cache/testing';
import { AppController } from './app.controller';
import { AppModule } from './app.module';

// The unit spec of a stock Nest 11 app: the app's real CacheModule config, run in memory by the
// testing kit, with no server and no socket.
describe('AppController', () => {
  let module: TestingModule;
  let appController: AppController;
  let connect: jest.SpyInstance;

  beforeEach(async () => {
    connect = jest.spyOn(net.Socket.prototype, 'connect');
    module = await useInMemoryCaches(Test.createTestingModule({ imports: [AppModule] })).compile();
    appController = module.get<AppController>(AppController);
  });

  afterEach(async () => {
    await module.close();
    connect.mockRestore();
  });

  it('serves the second greeting from the cache', async () => {
    expect(await appController.greet('Ada')).toEqual({
      greeting: 'Hello Ada!',
      cached: false,
    });
    expect(await appController.greet('Ada')).toEqual({
      greeting: 'Hello Ada!',
      cached: true,
    });
  });

  it('runs on the in-memory factory and opens no socket', async () => {
    await appController.greet('Grace');
    expect(module.get(VALKEY_CONNECTION_FACTORY)).toBeInstanceOf(InMemoryConnectionFactory);
    expect(connect).not.toHaveBeenCalled();
  });
});
