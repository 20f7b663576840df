/**
 * Markers of changes to a workflow's command order (Temporal's `patched()`): a history recorded before a change
 * replays the old order, a new run records the marker and takes the new one. A marker is removed only once no
 * open workflow can have a history without it (movies live for weeks: check before deleting one).
 */
export const PATCHES = {
  /** ingestMovie runs copyReferences for dark, bright and norm movies too, not only acquisitions. */
  referencesForEveryClass: 'references-for-every-class',
  /** ingestMovie records a DE folder's info.txt in leginondb (recordDeInfo) after placing it. */
  deInfo: 'de-info',
  /** ingestMovie asks archiveHolds before its expiry too: a wider hold is no longer signalled to archived movies. */
  holdsBeforeExpiry: 'holds-before-expiry',
  /**
   * ingestMovie keeps its expiry time when an expiry finds the archive copy damaged or missing and archives again:
   * the buffer copy goes once the new copy is re-verified, not a whole `expiry.after` later (no second timer).
   */
  expiryStaysPut: 'expiry-stays-put',
  /** preprocessMovie holds the movie's raw frames against the session's gain reference after CTF (the gain sentinel). */
  gainSentinel: 'gain-sentinel',
} as const;
