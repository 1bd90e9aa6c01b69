import type { ScriptedTurn } from '@remit/models';

/**
 * The offline demo's model for a review (scripted, not a real model): it reads the checked-out
 * file in its sandbox, then answers with a review of the demo pull request's one change, and a
 * second comment on a line the pull request did not touch, which Remit folds into the body.
 */
export const reviewScript: ScriptedTurn[] = [
  { text: 'Reading the changed file as checked out in my sandbox.', toolCalls: [{ name: 'read_file', input: { path: 'repo/src/charge.js' } }] },
  {
    text: JSON.stringify({
      summary:
        'The change lowers the card processor timeout to 0 ms. In Node a 0 ms timeout on a socket disables the timeout, so a hung card processor now holds checkout requests forever instead of failing after 3 s.',
      comments: [
        { path: 'src/charge.js', line: 2, side: 'RIGHT', body: 'A timeout of 0 disables it. Keep a bound (3000 ms was fine) and retry once instead.' },
        { path: 'src/charge.js', line: 40, side: 'RIGHT', body: 'Consider a circuit breaker around the processor calls.' },
      ],
    }),
  },
];
