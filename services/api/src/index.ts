export { createApp } from './http/create-app.ts';
export type { AppDeps, TokenVerifier } from './http/deps.ts';
export { createLogger } from './logging/logger.ts';
export { startPaymentsService } from './demo/payments-service.ts';
export { troubleshootScript } from './demo/troubleshoot-script.ts';
