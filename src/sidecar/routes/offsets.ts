import type { FastifyInstance, FastifyReply } from 'fastify';
import type { EngineView } from '../../engine/view.js';
import { sendError } from '../http-errors.js';
import { bulkBody, bulkResponse, errorResponse, groupOffsetsResponse, groupParams, translateQuery } from '../schemas.js';
import type { Scrubber } from '../scrub.js';
import type { TranslationCache } from '../translation-cache.js';
import { PROTOBUF_TYPES, wantsProtobuf, type BulkTranslation, type GroupOffsets, type TranslationCodec } from '../translation-codec.js';

const JSON_TYPE = 'application/json; charset=utf-8';

interface TranslateQuery {
  source?: string;
  target?: string;
}

/**
 * Offset translation for consumers failing over: where a source consumer group resumes on each
 * target. Answered from the engine's memory (its last checkpoint round), never with a Kafka
 * request, so it stays fast while applications fail over in a hurry. JSON by default, protobuf
 * (proto/kmirror.proto) for `Accept: application/x-protobuf`. Either way the answer's strings are
 * scrubbed of secrets before it is encoded (a group id or topic name that holds one is redacted
 * in protobuf as in JSON).
 */
export async function offsetsRoutes(app: FastifyInstance, { view, codec, cache, scrub }: {
  view: EngineView; codec: TranslationCodec; cache?: TranslationCache; scrub: Scrubber;
}): Promise<void> {
  app.get<{ Params: { group: string }; Querystring: TranslateQuery }>('/v1/groups/:group/offsets', {
    schema: { params: groupParams, querystring: translateQuery, response: { 200: groupOffsetsResponse, '4xx': errorResponse } },
  }, async (request, reply) => {
    const { group } = request.params;
    const { source, target } = request.query;
    const translations = view.translate(group, source, target);
    if (translations.length === 0) return sendError(reply, 404, notFoundMessage(group, source, target));
    const answer = scrub.value<GroupOffsets>({ group, translations });
    const protobuf = wantsProtobuf(request.headers.accept);
    // Encoded here rather than by fastify, so the exact bytes can be kept for the next identical request.
    const body = protobuf ? codec.encodeGroup(answer) : Buffer.from(scrub.text(reply.serialize(answer) as string));
    const contentType = protobuf ? PROTOBUF_TYPES[0] : JSON_TYPE;
    cache?.store(request.url, protobuf, { group, source, target, parts: translations, body, contentType });
    return reply.type(contentType).send(body);
  });

  app.post<{ Body: { groups: string[] } & TranslateQuery }>('/v1/offsets/translate', {
    schema: { body: bulkBody, response: { 200: bulkResponse, '4xx': errorResponse } },
  }, async (request, reply) => {
    const { groups, source, target } = request.body;
    const answer: { groups: GroupOffsets[]; notFound: string[] } = { groups: [], notFound: [] };
    for (const group of new Set(groups)) {
      const translations = view.translate(group, source, target);
      if (translations.length === 0) answer.notFound.push(group);
      else answer.groups.push({ group, translations });
    }
    const safe = scrub.value<BulkTranslation>(answer);
    if (wantsProtobuf(request.headers.accept)) return sendProtobuf(reply, codec.encodeBulk(safe));
    return safe;
  });
}

function sendProtobuf(reply: FastifyReply, bytes: Buffer): FastifyReply {
  return reply.type(PROTOBUF_TYPES[0]).send(bytes);
}

function notFoundMessage(group: string, source: string | undefined, target: string | undefined): string {
  const pair = source !== undefined || target !== undefined ? ` from ${source ?? 'any cluster'} to ${target ?? 'any cluster'}` : '';
  return `no offsets for group '${group}'${pair}: the group is unknown, not selected by the flows' groups/groups.exclude, ` +
    'or not checkpointed yet';
}
