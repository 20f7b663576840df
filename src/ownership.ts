/**
 * Who owns a session's frames, as Leginon decides it and no further: SessionData `uid`/`gid` when both are set
 * and neither is root (a Leginon on Windows records 0/0), else the owner of the session's image path. Database
 * data never makes a file root's or hands a folder the server did not create to anyone (src/safeFs.ts sets
 * owners on descriptors, and only on what it creates).
 */
import { lstat } from 'node:fs/promises';
import type { Owner } from './safeFs.js';

export type { Owner };

/** An owner the server may give files to: never root, never a negative or fractional id. */
export function isGrantableOwner(owner: { uid: number | null; gid: number | null }): owner is Owner {
  const valid = (id: number | null) => id !== null && Number.isSafeInteger(id) && id > 0;
  return valid(owner.uid) && valid(owner.gid);
}

export async function sessionOwner(session: { uid: number | null; gid: number | null; imagePath: string | null }): Promise<Owner | null> {
  if (isGrantableOwner(session)) return { uid: session.uid, gid: session.gid };
  if (!session.imagePath) return null;
  // lstat: a link at the image path tells nothing about who the session belongs to.
  const info = await lstat(session.imagePath).catch(() => undefined);
  return info?.isDirectory() && isGrantableOwner(info) ? { uid: info.uid, gid: info.gid } : null;
}

export function parseMode(text: string): number {
  return Number.parseInt(text, 8);
}
