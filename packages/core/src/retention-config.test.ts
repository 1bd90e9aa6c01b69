import { describe, expect, it } from 'vitest';
import { configProblems } from './testing/config-problems.ts';
import { parseConfig, retentionPeriods } from './config.ts';

const problems = configProblems;

describe('retention periods', () => {
  it('are 90 days for every class by default', () => {
    expect(retentionPeriods(parseConfig({}))).toEqual({ transcripts: 90, modelCalls: 90, webhookDeliveries: 90, logs: 90 });
  });

  it('follow REMIT_RETENTION_DAYS, and a class’s own variable overrides it', () => {
    const config = parseConfig({ REMIT_RETENTION_DAYS: '30', REMIT_RETENTION_TRANSCRIPT_DAYS: '7', REMIT_RETENTION_LOG_DAYS: '365' });
    expect(retentionPeriods(config)).toEqual({ transcripts: 7, modelCalls: 30, webhookDeliveries: 30, logs: 365 });
    expect(retentionPeriods(parseConfig({ REMIT_RETENTION_MODEL_CALL_DAYS: '1', REMIT_RETENTION_WEBHOOK_DAYS: '2' }))).toMatchObject({
      modelCalls: 1,
      webhookDeliveries: 2,
    });
  });

  it('stop the process on a period under one day, a fraction or a word, naming the variable and the value', () => {
    expect(problems({ REMIT_RETENTION_DAYS: '0' })).toEqual(['REMIT_RETENTION_DAYS: expected at least 1 day (got "0")']);
    expect(problems({ REMIT_RETENTION_TRANSCRIPT_DAYS: '-5' })).toEqual(['REMIT_RETENTION_TRANSCRIPT_DAYS: expected at least 1 day (got "-5")']);
    expect(problems({ REMIT_RETENTION_LOG_DAYS: '1.5' })).toEqual(['REMIT_RETENTION_LOG_DAYS: expected a whole number of days (got "1.5")']);
    expect(problems({ REMIT_RETENTION_WEBHOOK_DAYS: 'ninety' })).toEqual(['REMIT_RETENTION_WEBHOOK_DAYS: expected a whole number of days (got "ninety")']);
    expect(problems({ REMIT_RETENTION_MODEL_CALL_DAYS: '99999' })).toEqual([
      'REMIT_RETENTION_MODEL_CALL_DAYS: expected at most 36500 days (100 years) (got "99999")',
    ]);
  });
});
