import type { FindingSeverity, FindingStatus } from '@remit/core';

/** Severity as a badge, toned from calm to alarming with console.css's existing tones. */
export const SEVERITY_TONES: Record<FindingSeverity, string> = { info: 'allowed', low: 'ok', medium: 'warn', high: 'bad', critical: 'error' };
export const STATUS_TONES: Record<FindingStatus, string> = { new: 'warn', accepted: 'ok', dismissed: 'skipped', done: 'succeeded' };
