import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CacheError } from '../lib/index.js';

/** Body of a `503` caused by a cache error. */
export interface CacheErrorBody {
  readonly statusCode: 503;
  readonly error: 'Service Unavailable';
  /** The cache that failed. */
  readonly alias: string | undefined;
  /** The error's message (names the alias; never a password). */
  readonly message: string;
}

/**
 * Answers `503 Service Unavailable` when a cache call fails (e.g. a write while the Sentinel
 * primary is being replaced), instead of Nest's generic `500`, so clients know to retry.
 */
@Catch(CacheError)
export class CacheErrorFilter implements ExceptionFilter<CacheError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Sends the 503 with the error's alias and message. */
  catch(error: CacheError, host: ArgumentsHost): void {
    const body: CacheErrorBody = {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: 'Service Unavailable',
      alias: error.alias,
      message: error.message,
    };
    const response: unknown = host.switchToHttp().getResponse();
    this.adapterHost.httpAdapter.reply(response, body, HttpStatus.SERVICE_UNAVAILABLE);
  }
}
