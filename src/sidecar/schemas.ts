/**
 * The sidecar's route schemas: validation (a bad parameter is a 400 naming it, with the rule in
 * `description`) and documentation in one place. Ajv runs without type coercion and without
 * dropping unknown properties, so `?sourc=A` or `{"groups": "g"}` is an error, not a surprise;
 * the partition number is therefore matched as text and converted by the route.
 */

const ALIAS = '[A-Za-z0-9_][A-Za-z0-9._-]*';

const alias = {
  type: 'string', pattern: `^${ALIAS}$`, maxLength: 255,
  description: 'a cluster alias from mm2.properties (letters, digits, ".", "_", "-")',
} as const;

/** Kafka's rule for topic names. */
const topic = {
  type: 'string', pattern: '^[A-Za-z0-9._-]+$', minLength: 1, maxLength: 249,
  description: 'a Kafka topic name (1 to 249 letters, digits, ".", "_", "-")',
} as const;

/** Consumer group ids can be any text; empty and absurdly long ones are refused. */
const group = {
  type: 'string', minLength: 1, maxLength: 1024,
  description: 'a consumer group id (1 to 1024 characters)',
} as const;

export const MAX_PARTITION = 2_147_483_647;

export const translateQuery = {
  type: 'object',
  properties: { source: alias, target: alias },
  additionalProperties: false,
} as const;

export const groupParams = {
  type: 'object',
  properties: { group },
  required: ['group'],
  additionalProperties: false,
} as const;

export const bulkBody = {
  type: 'object',
  properties: {
    groups: {
      type: 'array', items: group, minItems: 1, maxItems: 10_000,
      description: 'a list of 1 to 10000 consumer group ids',
    },
    source: alias,
    target: alias,
  },
  required: ['groups'],
  additionalProperties: false,
  description: 'a JSON object {"groups": [...], "source"?: alias, "target"?: alias}',
} as const;

export const flowParams = {
  type: 'object',
  properties: {
    flow: {
      type: 'string', pattern: `^${ALIAS}->${ALIAS}$`, maxLength: 520,
      description: 'a flow "A->B" (two cluster aliases; write ">" as %3E if your client insists)',
    },
  },
  required: ['flow'],
  additionalProperties: false,
} as const;

export const partitionParams = {
  type: 'object',
  properties: {
    flow: flowParams.properties.flow,
    topic,
    partition: { type: 'string', pattern: '^(0|[1-9][0-9]{0,9})$', description: `a partition number (0 to ${MAX_PARTITION})` },
  },
  required: ['flow', 'topic', 'partition'],
  additionalProperties: false,
} as const;

/** Routes that take no query parameters say so: a misspelt option is an error, not ignored. */
export const noQuery = { type: 'object', properties: {}, additionalProperties: false } as const;

// ---- responses (fast-json-stringify serialises with them: the hot translation path included) ----

const translatedPartition = {
  type: 'object',
  properties: {
    topic: { type: 'string' },
    partition: { type: 'integer' },
    offset: { type: 'integer' },
    upstreamTopic: { type: 'string' },
    upstreamOffset: { type: 'integer' },
    metadata: { type: 'string' },
  },
  required: ['topic', 'partition', 'offset', 'upstreamTopic', 'upstreamOffset', 'metadata'],
} as const;

const groupTranslation = {
  type: 'object',
  properties: {
    group: { type: 'string' },
    source: { type: 'string' },
    target: { type: 'string' },
    partitions: { type: 'array', items: translatedPartition },
  },
  required: ['group', 'source', 'target', 'partitions'],
} as const;

export const groupOffsetsResponse = {
  type: 'object',
  properties: { group: { type: 'string' }, translations: { type: 'array', items: groupTranslation } },
  required: ['group', 'translations'],
} as const;

export const bulkResponse = {
  type: 'object',
  properties: {
    groups: { type: 'array', items: groupOffsetsResponse },
    notFound: { type: 'array', items: { type: 'string' } },
  },
  required: ['groups', 'notFound'],
} as const;

export const errorResponse = {
  type: 'object',
  properties: { statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' } },
  required: ['statusCode', 'error', 'message'],
} as const;

export const readinessResponse = {
  type: 'object',
  properties: { ready: { type: 'boolean' }, reasons: { type: 'array', items: { type: 'string' } } },
  required: ['ready', 'reasons'],
} as const;

export const actionResponse = {
  type: 'object',
  properties: {
    flow: { type: 'string' },
    topic: { type: 'string' },
    partition: { type: 'integer' },
    action: { type: 'string', enum: ['pause', 'resume'] },
    accepted: { type: 'boolean' },
    message: { type: 'string' },
  },
  required: ['flow', 'topic', 'partition', 'action', 'accepted', 'message'],
} as const;
