/**
 * Who owns a session's frames: SessionData `uid`/`gid` when both are set, else the owner of the session's
 * image path (rawtransfer's rule). Files end up group-readable, with the configured modes.
 */
import { chmod, chown, stat } from 'node:fs/promises';

export interface Owner {
  uid: number;
  gid: number;
}

export async function sessionOwner(session: { uid: number | null; gid: number | null; imagePath: string | null }): Promise<Owner | null> {
  if (session.uid !== null && session.gid !== null) return { uid: session.uid, gid: session.gid };
  if (!session.imagePath) return null;
  const info = await stat(session.imagePath).catch(() => undefined);
  return info ? { uid: info.uid, gid: info.gid } : null;
}

export function parseMode(text: string): number {
  return Number.parseInt(text, 8);
}

/** Sets the mode, and the owner when chown is on and an owner is known. */
export async function applyOwnership(target: string, mode: number, owner: Owner | null, chownEnabled: boolean): Promise<void> {
  await chmod(target, mode);
  if (chownEnabled && owner) await chown(target, owner.uid, owner.gid);
}
