import ms from 'ms';

/** Parses an operator-written duration ("30s", "20m", "14d", "250ms") into milliseconds, or undefined. */
export function parseDuration(text: string): number | undefined {
  const value = ms(text as ms.StringValue);
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
