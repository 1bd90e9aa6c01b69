export { createApp } from './http/create-app.ts';
export { createLogger } from './logging/logger.ts';
export { startPaymentsService } from './demo/payments-service.ts';
export { troubleshootScript } from './demo/troubleshoot-script.ts';
export { INSIGHT_SCRIPT_MODEL, insightScript } from './demo/insight-script.ts';
