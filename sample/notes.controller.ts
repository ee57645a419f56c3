import { Body, Controller, Get, NotFoundException, Param, Put } from '@nestjs/common';
import { InjectCache, ValkeyCache } from '../lib/index.js';

/** Seconds a note is kept. */
export const NOTE_TIMEOUT_SECONDS = 300;

/** Body of `PUT /notes/:id` and `GET /notes/:id`. */
export interface NoteBody {
  readonly id: string;
  readonly text: string;
}

/**
 * Notes written through the `sentinel` cache (on the primary, wherever the sentinels say it is)
 * and read back through the `readonly` cache (replicas only, so a read right after a write may
 * not see it yet: replication is asynchronous).
 */
@Controller('notes')
export class NotesController {
  constructor(
    @InjectCache('sentinel') private readonly primary: ValkeyCache,
    @InjectCache('readonly') private readonly replicas: ValkeyCache,
  ) {}

  /** Stores `{ text }` for {@link NOTE_TIMEOUT_SECONDS} s on the Sentinel primary. */
  @Put(':id')
  async write(@Param('id') id: string, @Body() body: { text?: unknown }): Promise<NoteBody> {
    const text = typeof body?.text === 'string' ? body.text : '';
    await this.primary.set(`note:${id}`, text, NOTE_TIMEOUT_SECONDS);
    return { id, text };
  }

  /** Reads a note from a replica; 404 when no replica has it (yet). */
  @Get(':id')
  async read(@Param('id') id: string): Promise<NoteBody> {
    const text = await this.replicas.get<string>(`note:${id}`);
    if (text === null) throw new NotFoundException(`no note '${id}' on the replicas`);
    return { id, text };
  }
}
