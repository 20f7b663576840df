/**
 * A DE frames folder's `info.txt` as Leginon's ddinfo reads it into leginondb (DDinfoKeyData, DDinfoValueData):
 * `key = value` lines, split at the first `=`, both sides trimmed. Pure. Leginon stops at a line without `=`; here
 * such a line is skipped and named, as is anything the latin1 DDinfo columns cannot hold.
 */
export interface DeInfo {
  entries: { key: string; value: string }[];
  skipped: string[];
}

/** More than any camera writes (a few kB): a larger file is not a DE description. */
export const DE_INFO_MAX_BYTES = 1024 * 1024;

/** Printable latin1: what a latin1 TEXT column stores as it is, and what a log line shows as it is. */
const STORABLE = /^[\x20-\x7e\xa0-\xff]*$/;

export function parseDeInfo(text: string): DeInfo {
  const info: DeInfo = { entries: [], skipped: [] };
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    if (raw.trim() === '') continue;
    const at = raw.indexOf('=');
    const key = at < 0 ? '' : raw.slice(0, at).trim();
    const value = at < 0 ? '' : raw.slice(at + 1).trim();
    if (at < 0 || key === '') info.skipped.push(`line ${index + 1}: no "key = value"`);
    else if (!STORABLE.test(key) || !STORABLE.test(value)) info.skipped.push(`line ${index + 1}: characters latin1 cannot hold`);
    else info.entries.push({ key, value });
  }
  return info;
}
