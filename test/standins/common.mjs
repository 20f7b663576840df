// Shared by the stand-in tools (tests and the demo only): argv lookup, a GPU-use timeline, tiny MRC outputs.
import { appendFileSync, writeFileSync } from 'node:fs';

export function option(argv, name, count = 1) {
  const at = argv.indexOf(name);
  if (at < 0) return undefined;
  return count === 1 ? argv[at + 1] : argv.slice(at + 1, at + 1 + count);
}

/** Hash of a string into [0, 1): stand-in results differ per movie but are reproducible. */
export function unitHash(text) {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h / 4294967296;
}

/** Appends {tool, gpu, start, end} to $STANDIN_TIMELINE around `work`, so tests can check GPU exclusivity. */
export async function onTimeline(tool, gpu, work) {
  const start = Date.now();
  const result = await work();
  if (process.env.STANDIN_TIMELINE) {
    appendFileSync(process.env.STANDIN_TIMELINE, `${JSON.stringify({ tool, gpu, start, end: Date.now(), pid: process.pid })}\n`);
  }
  return result;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A 4 x 4 float32 MRC: enough for the next step to find a file. */
export function writeTinyMrc(file) {
  const header = Buffer.alloc(1024);
  [4, 4, 1, 2].forEach((v, i) => header.writeInt32LE(v, 4 * i));
  header.write('MAP ', 208, 'latin1');
  header.writeUInt32LE(0x4444, 212);
  writeFileSync(file, Buffer.concat([header, Buffer.alloc(64)]));
}
