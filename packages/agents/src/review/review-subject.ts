import { z } from 'zod';

/**
 * What a review run is about, kept in its run's trigger by the webhook intake and read back by
 * the review kind: the repository, the pull request, the head commit when the delivery named it
 * (a `/remit review` command does not: the run reads it from GitHub) and the installation that
 * reads and posts.
 */
export const ReviewSubject = z.object({
  repository: z.object({ id: z.int().positive(), owner: z.string().min(1), name: z.string().min(1), fullName: z.string().min(1) }),
  installationId: z.int().positive(),
  pullNumber: z.int().positive(),
  headSha: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
  author: z.object({ login: z.string(), id: z.int() }),
  /** The `/remit review` comment to acknowledge with a reaction. */
  commentId: z.int().positive().optional(),
});
export type ReviewSubject = z.infer<typeof ReviewSubject>;
