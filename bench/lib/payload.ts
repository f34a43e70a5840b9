/**
 * Benchmark records: a 16-byte key, a value of `valueBytes` (1 KiB by default) and two string
 * headers. Values are slices of an 8 MiB block of generated JSON-like text at pseudo-random
 * offsets, so they compress roughly like real event data (lz4 ≈ 2×, zstd ≈ 3×) instead of not at
 * all (random bytes) or absurdly well (one repeated value). Everything is deterministic.
 */
import type { MessageHeader } from '../../src/kafka/rdkafka.js';

const TEXT_BYTES = 8 * 1024 * 1024;
const WORDS = [
  'checkout', 'login', 'logout', 'search', 'view', 'add_to_cart', 'remove', 'purchase', 'refund', 'signup',
  'mobile', 'desktop', 'tablet', 'eu-west-1', 'us-east-1', 'ap-south-1', 'premium', 'basic', 'trial', 'gold',
  'Mozilla/5.0', 'Chrome/126.0', 'Safari/17.4', 'Firefox/127.0', 'Android', 'iPhone', 'Windows NT 10.0', 'Linux',
  'EUR', 'USD', 'GBP', 'INR', 'pending', 'completed', 'failed', 'retry', 'shipping', 'billing', 'warehouse', 'store',
];

/** xorshift32: fast, deterministic, good enough for filler data. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

function generateText(bytes: number, seed: number): Buffer {
  const next = rng(seed);
  const pick = () => WORDS[next() % WORDS.length]!;
  const hex = (n: number) => {
    let s = '';
    while (s.length < n) s += next().toString(16).padStart(8, '0');
    return s.slice(0, n);
  };
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const line = JSON.stringify({
      ts: 1_700_000_000_000 + (next() % 1_000_000_000),
      event: pick(),
      user: `u${next() % 1_000_000}`,
      session: hex(16),
      device: pick(),
      region: pick(),
      plan: pick(),
      amount: (next() % 100_000) / 100,
      currency: pick(),
      status: pick(),
      ua: `${pick()} (${pick()}; ${pick()})`,
      trace: hex(32),
    }) + '\n';
    parts.push(line);
    size += line.length;
  }
  return Buffer.from(parts.join('').slice(0, bytes), 'latin1');
}

export class Payload {
  private readonly text: Buffer;
  private readonly traceIds: string[];

  constructor(readonly valueBytes: number, seed = 0x6b6d6972) {
    this.text = generateText(Math.max(TEXT_BYTES, valueBytes * 4), seed);
    const next = rng(seed ^ 0x5a5a5a5a);
    this.traceIds = Array.from({ length: 4096 }, () =>
      Array.from({ length: 4 }, () => next().toString(16).padStart(8, '0')).join(''));
  }

  /** Key bytes per record (the keys are fixed-width). */
  static readonly KEY_BYTES = 16;

  /** `key-000000001234` (16 bytes) for the preload, `lat-000000001234` for the latency phase. */
  key(i: number, prefix: 'key' | 'lat' = 'key'): string {
    return `${prefix}-${String(i).padStart(12, '0')}`;
  }

  /** A slice of the text block (no copy; the producer copies it). */
  value(i: number): Buffer {
    // Multiplicative hashing spreads consecutive records over the block.
    const span = this.text.length - this.valueBytes;
    const offset = Math.imul(i + 1, 0x9e3779b1) >>> 0;
    return this.text.subarray(offset % span, (offset % span) + this.valueBytes);
  }

  headers(i: number, phase: 'preload' | 'latency'): MessageHeader[] {
    return [{ 'trace-id': this.traceIds[i & 4095]! }, { 'bench-phase': phase }];
  }

  /** Key + value bytes of one record: what the MiB/s figures count. */
  get recordBytes(): number {
    return Payload.KEY_BYTES + this.valueBytes;
  }
}
