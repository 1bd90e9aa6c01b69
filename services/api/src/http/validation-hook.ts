import { zodToRemitError } from '@remit/core';
import type { z } from 'zod';

/** The OpenAPIHono defaultHook: every route validates through the same translation. */
export function validationHook(result: { success: boolean; error?: z.ZodError; target: string }): void {
  if (!result.success && result.error) throw zodToRemitError(result.error, { target: result.target });
}
