import { z } from 'zod';

/** What a posted review leaves on its run. */
export const ReviewResult = z.object({
  reviewId: z.number(),
  commit: z.string(),
  inlineComments: z.int(),
  notReviewed: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type ReviewResult = z.infer<typeof ReviewResult>;
