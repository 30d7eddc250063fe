import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The form of an API key: `ilk_<id>_<secret>`, where `id` is 16 hex digits (public: listed by
 * `GET /api/v1/keys`, named in the audit log) and `secret` 32 random bytes in base64url
 * (256 bits). The prefix lets secret scanners and people recognise a leaked key. Only the
 * SHA-256 of the whole key is stored: with 256 random bits, a slow password hash would add
 * nothing against guessing and cost every request milliseconds.
 */
export const KEY_PREFIX = 'ilk_';

const KEY_FORM = /^ilk_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;

/** A new key and its id. */
export function newApiKey(): { id: string; key: string } {
  const id = randomBytes(8).toString('hex');
  return { id, key: `${KEY_PREFIX}${id}_${randomBytes(32).toString('base64url')}` };
}

/** The id inside a key of our form, or undefined for any other text. */
export function keyIdOf(key: string): string | undefined {
  return KEY_FORM.exec(key)?.[1];
}

/** SHA-256 of a key (32 bytes). */
export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Whether two key hashes are equal, in time that does not depend on where they differ. */
export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
