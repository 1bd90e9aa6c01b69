import { describe, expect, it } from 'vitest';
import { toolResultCapChars } from './tool-result-cap.ts';

describe('tool result cap', () => {
  it('is the lesser of 15% of the context window and 25k tokens', () => {
    expect(toolResultCapChars(200_000)).toBe(25_000 * 4); // 15% would be 30k tokens
    expect(toolResultCapChars(32_000)).toBe(4_800 * 4); // 15% of a small window
  });
});
