import { z } from 'zod';

// Bounds keep one answer within what GitHub accepts (a review body and each comment are capped
// at 65,536 characters) with room for what placeComments folds into the body.
export const modelReviewSchema = z
  .object({
    summary: z.string().trim().min(1).max(8000),
    comments: z
      .array(
        z
          .object({
            path: z.string().min(1).max(1024),
            line: z.number().int().positive(),
            side: z.enum(['RIGHT', 'LEFT']),
            startLine: z.number().int().positive().optional(),
            body: z.string().trim().min(1).max(4000),
          })
          .strict()
          .refine((c) => c.startLine === undefined || c.startLine < c.line, { message: 'startLine must be below line', path: ['startLine'] }),
      )
      .max(100),
  })
  .strict();
export type ModelReview = z.infer<typeof modelReviewSchema>;
export type ModelReviewComment = ModelReview['comments'][number];

export type ParsedModelReview = { ok: true; review: ModelReview } | { ok: false; problem: string };

const FENCE = /```(?:json)?[ \t]*\r?\n([\s\S]*?)\r?\n?```/i;

/**
 * Reads the model's answer: a JSON object, bare or inside a ```json fence. On failure `problem`
 * is written to the model, to be quoted in a repair prompt.
 */
export function parseModelReview(text: string): ParsedModelReview {
  const fenced = FENCE.exec(text);
  const candidate = (fenced?.[1] ?? text).trim();
  let json: unknown;
  try {
    json = JSON.parse(candidate);
  } catch {
    return { ok: false, problem: 'Your answer was not valid JSON. Answer with one JSON object only, optionally inside a ```json fence, and nothing else.' };
  }
  const parsed = modelReviewSchema.safeParse(json);
  if (parsed.success) return { ok: true, review: parsed.data };
  const issues = parsed.error.issues.slice(0, 10).map((issue) => `- ${issue.path.join('.') || '(the whole answer)'}: ${issue.message}`);
  return {
    ok: false,
    problem: `Your JSON did not match the required shape {"summary": string, "comments": [{"path", "line", "side": "RIGHT"|"LEFT", "startLine"?, "body"}]}:\n${issues.join('\n')}`,
  };
}
