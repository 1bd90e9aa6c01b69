/** Characters per token for the cap's arithmetic: English and JSON average about four. */
const CHARS_PER_TOKEN = 4;
const MAX_TOOL_RESULT_TOKENS = 25_000;
const CONTEXT_SHARE = 0.15;

/**
 * The largest tool result sent to the model whole: the lesser of 15% of the model's context
 * window and 25k tokens. Past it the model is told to narrow its request instead.
 */
export function toolResultCapChars(contextWindowTokens: number): number {
  return Math.floor(Math.min(contextWindowTokens * CONTEXT_SHARE, MAX_TOOL_RESULT_TOKENS) * CHARS_PER_TOKEN);
}
