import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { GroupTranslation } from '../engine/view.js';
import { packageRoot } from '../paths.js';

/** The schema of the protobuf answers, in the repository (and the package) at proto/kmirror.proto. */
export const PROTO_FILE = join(packageRoot, 'proto', 'kmirror.proto');

/** `Accept` values that ask for protobuf; the answer's Content-Type is the first. */
export const PROTOBUF_TYPES = ['application/x-protobuf', 'application/protobuf'] as const;

/** One group's translations (JSON and protobuf `GroupOffsets`). */
export interface GroupOffsets {
  readonly group: string;
  readonly translations: readonly GroupTranslation[];
}

/** The bulk answer (JSON and protobuf `BulkTranslation`). */
export interface BulkTranslation {
  readonly groups: readonly GroupOffsets[];
  readonly notFound: readonly string[];
}

/**
 * Encodes translation answers with proto/kmirror.proto. The file is parsed once, when the sidecar
 * starts, and both message types are compiled then (protobufjs generates a specialised encoder
 * per type on first use; doing it here keeps that out of the first request). The engine's
 * GroupTranslation objects already have the messages' field names (protobufjs' lowerCamelCase),
 * so they are encoded as they are: no fromObject/verify pass, no copy per request.
 */
export class TranslationCodec {
  private readonly groupOffsets: protobuf.Type;
  private readonly bulk: protobuf.Type;

  constructor(readonly root: protobuf.Root = protobuf.loadSync(PROTO_FILE)) {
    this.groupOffsets = root.lookupType('kmirror.v1.GroupOffsets');
    this.bulk = root.lookupType('kmirror.v1.BulkTranslation');
    this.encodeGroup({ group: '', translations: [] });
    this.encodeBulk({ groups: [], notFound: [] });
  }

  encodeGroup(message: GroupOffsets): Buffer {
    return toBuffer(this.groupOffsets.encode(message).finish());
  }

  encodeBulk(message: BulkTranslation): Buffer {
    return toBuffer(this.bulk.encode(message).finish());
  }
}

/** A Buffer over the same memory (fastify sends Buffers as they are). */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** True when the request's Accept header names a protobuf media type. */
export function wantsProtobuf(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  for (const type of PROTOBUF_TYPES) if (accept.includes(type)) return true;
  return false;
}
