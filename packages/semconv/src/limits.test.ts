import { describe, expect, it } from 'vitest';
import { DEFAULT_RECORD_LIMITS } from './limits.js';

describe('DEFAULT_RECORD_LIMITS', () => {
  it('has the documented values', () => {
    expect(DEFAULT_RECORD_LIMITS).toEqual({
      maxFeatures: 500,
      maxOutputs: 100,
      maxAttributes: 128,
      maxKeyLength: 256,
      maxStringLength: 4096,
      maxNameLength: 256,
      maxIdLength: 128,
      maxEmbeddingLength: 4096,
    });
  });

  it('cannot be changed by accident', () => {
    expect(Object.isFrozen(DEFAULT_RECORD_LIMITS)).toBe(true);
  });
});
