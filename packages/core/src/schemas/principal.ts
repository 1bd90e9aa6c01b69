import { z } from 'zod';

/** Who is calling, as proven by a verified OIDC token. Admin comes from a group, never a role. */
export const Principal = z.object({
  sub: z.string(),
  email: z.string().nullable(),
  groups: z.array(z.string()),
});
export type Principal = z.infer<typeof Principal>;
