import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineView, GroupTranslation } from '../engine/view.js';
import { tokenMatcher } from './auth.js';

/** One answer fastify gave, as bytes, with what it was made from. */
interface Entry {
  readonly group: string;
  readonly source: string | undefined;
  readonly target: string | undefined;
  /** The translations it encodes: the engine hands out the same objects until its next checkpoint round. */
  readonly parts: readonly GroupTranslation[];
  readonly body: Buffer;
  readonly contentType: string;
}

const BEARER_PREFIX = /^Bearer[ \t]+/i;
/** Answers kept; the oldest goes first beyond this (an entry is about 1 KB per 8 partitions). */
const MAX_ENTRIES = 10_000;

/**
 * The hot path of offset translation (`GET /v1/groups/:group/offsets`), in front of fastify:
 * applications failing over ask for the same few groups over and over, and the answer only
 * changes with the engine's checkpoint rounds. fastify's route validates each request and, when it
 * answers 200, stores the bytes here under the exact request URL and format; later requests for
 * the same URL, with the token, are answered with those bytes straight from the HTTP server —
 * after asking the engine whether the translation is still the same objects. Anything else (a
 * URL not seen, another method, a wrong or missing token, a changed translation) goes to fastify,
 * which validates, answers and refreshes the entry. Nothing is answered here that fastify did not
 * answer identically first, so validation, errors and secret scrubbing stay in one place.
 */
export class TranslationCache {
  private readonly entries = new Map<string, Entry>();
  private readonly matches: ((presented: string) => boolean) | undefined;
  hits = 0;

  constructor(private readonly view: EngineView, token: string | undefined) {
    this.matches = token === undefined ? undefined : tokenMatcher(token);
  }

  private static key(url: string, protobuf: boolean): string {
    return protobuf ? `p${url}` : `j${url}`;
  }

  /** Called by the fastify route after it validated the request and made a 200 answer. */
  store(url: string, protobuf: boolean, entry: Entry): void {
    const key = TranslationCache.key(url, protobuf);
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Answers the request if it can; false means fastify must. */
  tryAnswer(req: IncomingMessage, res: ServerResponse, protobuf: boolean): boolean {
    if (req.method !== 'GET' || req.url === undefined) return false;
    const entry = this.entries.get(TranslationCache.key(req.url, protobuf));
    if (entry === undefined) return false;
    if (this.matches !== undefined) {
      const header = req.headers.authorization;
      if (header === undefined) return false;
      const prefix = BEARER_PREFIX.exec(header);
      if (prefix === null || !this.matches(header.slice(prefix[0].length).trimEnd())) return false;
    }
    const now = this.view.translate(entry.group, entry.source, entry.target);
    if (now.length !== entry.parts.length || now.some((t, i) => t !== entry.parts[i])) return false;
    this.hits++;
    res.writeHead(200, { 'content-type': entry.contentType, 'content-length': entry.body.length });
    res.end(entry.body);
    return true;
  }
}
