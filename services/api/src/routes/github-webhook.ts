import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { receiveGithubDelivery } from '@remit/agents';
import { RemitError } from '@remit/core';
import { verifyWebhookSignature } from '@remit/github';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import type { AppDeps } from '../http/deps.ts';
import { assertStorableBody } from '../http/storable-text.ts';
import { errorResponses, jsonContent, publicSecurity } from '../http/openapi-helpers.ts';

export const GITHUB_WEBHOOK_PATH = '/v1/webhooks/github';

/** GitHub caps payloads at 25 MB; pull request and comment events are kilobytes, so a much smaller cap bounds unauthenticated bodies. */
const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;
// GitHub's delivery ids are GUIDs; anything of this shape is recorded, anything else refused.
const DELIVERY_ID = /^[A-Za-z0-9-]{1,64}$/;
const EVENT_NAME = /^[a-z_]{1,64}$/;

const DeliveryAccepted = z
  .object({
    delivery: z.string(),
    outcome: z.enum(['received', 'duplicate']).meta({ description: '`duplicate`: this delivery id was taken before; nothing more is done' }),
  })
  .meta({ id: 'GithubDeliveryAccepted' });

/**
 * The GitHub App's webhook. The signature is checked over the raw bytes, in constant time,
 * before anything is parsed; with no secret configured every delivery is refused. The delivery
 * is only recorded here (an inbox row, by its id) and processed after the answer by the inbox
 * (startGithubInbox), so GitHub's 10-second limit is never near and a replay does nothing.
 */
export function mountGithubWebhook(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const secrets = deps.github?.webhookSecrets ?? [];
  app.use(
    GITHUB_WEBHOOK_PATH,
    bodyLimit({
      maxSize: MAX_WEBHOOK_BYTES,
      onError: () => {
        throw new RemitError('payload_too_large', `Webhook bodies are limited to ${MAX_WEBHOOK_BYTES / 1024 / 1024} MiB.`);
      },
    }),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: GITHUB_WEBHOOK_PATH,
      operationId: 'receiveGithubWebhook',
      tags: ['webhooks'],
      security: publicSecurity,
      summary: 'GitHub App deliveries (pull_request, issue_comment); authenticated by X-Hub-Signature-256',
      description:
        'Each delivery is recorded by its X-GitHub-Delivery id before it is acknowledged; a replay is acknowledged and does nothing. ' +
        'It is processed after the answer: a review is queued as a run; drafts, bot authors, unlinked authors and commits already reviewed ' +
        'are skipped with a reason (GET /v1/admin/github/deliveries).',
      request: {
        headers: z.object({
          'x-hub-signature-256': z.string().optional().meta({ description: 'sha256=<HMAC of the raw body under the webhook secret>' }),
          'x-github-delivery': z.string().optional(),
          'x-github-event': z.string().optional(),
        }),
      },
      responses: {
        200: jsonContent(DeliveryAccepted, 'A replay: already taken, nothing done'),
        202: jsonContent(DeliveryAccepted, 'Recorded; processed next'),
        ...errorResponses(400, 401, 413, 503),
      },
    }),
    async (c) => {
      if (secrets.length === 0) throw new RemitError('webhooks_not_configured');
      const raw = new Uint8Array(await c.req.arrayBuffer());
      if (!verifyWebhookSignature(secrets, raw, c.req.header('x-hub-signature-256'))) {
        c.var.log.warn({ delivery: c.req.header('x-github-delivery')?.slice(0, 64) }, 'webhook signature refused');
        throw new RemitError('webhook_signature_invalid');
      }
      const deliveryId = c.req.header('x-github-delivery') ?? '';
      const event = c.req.header('x-github-event') ?? '';
      if (!DELIVERY_ID.test(deliveryId)) throw new RemitError('validation_failed', 'X-GitHub-Delivery must be the delivery’s id.');
      if (!EVENT_NAME.test(event)) throw new RemitError('validation_failed', 'X-GitHub-Event must name the event.');
      let body: string;
      let payload: unknown;
      try {
        body = new TextDecoder('utf-8', { fatal: true }).decode(raw);
        payload = JSON.parse(body);
      } catch {
        throw new RemitError('invalid_json', 'The delivery body is not UTF-8 JSON.');
      }
      // Signed by GitHub, yet still refused before it is recorded if PostgreSQL could not store its text.
      assertStorableBody(payload);
      const received = await receiveGithubDelivery(deps, { deliveryId, event, body, payload });
      if (received === 'received') deps.github?.inbox?.wake();
      return received === 'duplicate' ? c.json({ delivery: deliveryId, outcome: received }, 200) : c.json({ delivery: deliveryId, outcome: received }, 202);
    },
  );
}
