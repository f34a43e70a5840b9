import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { EngineView, GroupTranslation } from '../engine/view.js';
import { tokenMatcher } from './auth.js';
import { wantsProtobuf } from './translation-codec.js';

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

interface Stored extends Entry {
  /** Response headers as Node's flat array form, made once. */
  readonly headers: readonly string[];
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
  private readonly entries = new Map<string, Stored>();
  private readonly matches: ((presented: string) => boolean) | undefined;
  /**
   * The Authorization header each keep-alive connection last presented and had accepted: the same
   * text again on the same connection needs no second comparison. Only a connection that already
   * sent the token can take this path, so it tells nobody anything about the token.
   */
  private readonly accepted = new WeakMap<Socket, string>();
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
    this.entries.set(key, { ...entry, headers: ['content-type', entry.contentType, 'content-length', String(entry.body.length)] });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Answers the request if it can; false means fastify must. */
  tryAnswer(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' || req.url === undefined) return false;
    // The two headers that matter, from the raw list: cheaper than materialising req.headers.
    let accept: string | undefined;
    let authorization: string | undefined;
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      if (name.length === 6 && name.toLowerCase() === 'accept') accept = raw[i + 1];
      else if (name.length === 13 && name.toLowerCase() === 'authorization') authorization = raw[i + 1];
    }
    const entry = this.entries.get(TranslationCache.key(req.url, wantsProtobuf(accept)));
    if (entry === undefined) return false;
    if (this.matches !== undefined) {
      if (authorization === undefined) return false;
      const socket = req.socket;
      if (this.accepted.get(socket) !== authorization) {
        const prefix = BEARER_PREFIX.exec(authorization);
        if (prefix === null || !this.matches(authorization.slice(prefix[0].length).trimEnd())) return false;
        this.accepted.set(socket, authorization);
      }
    }
    const now = this.view.translate(entry.group, entry.source, entry.target);
    if (now.length !== entry.parts.length) return false;
    for (let i = 0; i < now.length; i++) if (now[i] !== entry.parts[i]) return false;
    this.hits++;
    res.writeHead(200, entry.headers as string[]);
    res.end(entry.body);
    return true;
  }
}
