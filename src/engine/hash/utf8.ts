/**
 * Text as UTF-8 in one reused buffer, for the synchronous hashes that read bytes (SHA-256, the prompt
 * memo's key): no allocation a hash. Valid until the next call. The buffer's length is a multiple of 4
 * and the three bytes after the text are zero, so it can also be read as 32-bit words.
 */
const encoder = new TextEncoder();

export interface Utf8Scratch {
  bytes: Uint8Array;
  /** The same buffer as 32-bit words (platform byte order). */
  words: Int32Array;
  /** Bytes the text took. */
  length: number;
}

const initial = new Uint8Array(256);
const scratch: Utf8Scratch = { bytes: initial, words: new Int32Array(initial.buffer), length: 0 };

export function encodeUtf8(text: string): Readonly<Utf8Scratch> {
  if (scratch.bytes.length < text.length * 3 + 3) {
    scratch.bytes = new Uint8Array((text.length * 3 + 7) & ~3);
    scratch.words = new Int32Array(scratch.bytes.buffer);
  }
  const n = encoder.encodeInto(text, scratch.bytes).written;
  scratch.bytes[n] = 0;
  scratch.bytes[n + 1] = 0;
  scratch.bytes[n + 2] = 0;
  scratch.length = n;
  return scratch;
}
