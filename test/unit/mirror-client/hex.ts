/** Bytes from hex written with spaces between fields, as in mm2-internals.md §1. */
export function bytes(hex: string): Buffer {
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

export function hex(buffer: Uint8Array): string {
  return Buffer.from(buffer).toString('hex');
}

/** Every strict prefix of `buffer` (shorter than the whole). */
export function prefixes(buffer: Buffer): Buffer[] {
  return Array.from({ length: buffer.length }, (_, n) => buffer.subarray(0, n));
}
