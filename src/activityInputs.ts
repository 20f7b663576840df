/**
 * The shapes of what the root workers' activities are handed. Anyone who reaches Temporal can schedule an
 * activity with any input (a crafted workflow start, a rogue worker's answer), and a value of the wrong kind does
 * harm before any check by meaning: mysql2 expands an object into `key = value` pairs, so a `framesName` of
 * `{"frames name": 1}` would turn a lookup into a tautology. Each io and archive activity checks its input here
 * first; a refusal fails without retries (the movie parks, naming what was wrong).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { IMAGE_CLASSES } from './imageClasses.js';
import type { CopiedPart, FileFingerprint, PlacedPart, SourceIdentity } from './movie.js';
import type { Parts } from './parts.js';
import type { Owner } from './safeFs.js';

const text = z.string().min(1).refine((s) => !s.includes('\0'), { message: 'contains NUL' });
const count = z.number().int().min(0);
/** The database's NOW() as a lookup returned it (src/leginonLookup.ts). */
const databaseTime = z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

const fingerprint: z.ZodType<FileFingerprint> = z.looseObject({ bytes: count, hash: z.string().regex(/^[0-9a-f]{16}$/) });
const identity: z.ZodType<SourceIdentity> = z.looseObject({ bytes: count, mtimeMs: z.number().nonnegative() });
const owner: z.ZodType<Owner | null> = z.strictObject({ uid: z.number().int().positive(), gid: z.number().int().positive() }).nullable();
const copiedPart: z.ZodType<CopiedPart> = z.looseObject({ source: text, targetSuffix: text, sourcePath: text, stagedPath: text, fingerprint, identity });
const placedPart: z.ZodType<PlacedPart> = z.looseObject({ targetSuffix: text, path: text, fingerprint, compression: z.enum(['gzip']).optional() });
/** A list inline, or a reference to its manifest file (src/parts.ts); a manifest's own content is checked by its hash. */
const manifestName = z.string().regex(/^[0-9a-f]{16}$/);
function partsOf<T>(part: z.ZodType<T>): z.ZodType<Parts<T>> {
  const manifest = z.strictObject({
    manifest: manifestName,
    count: z.number().int().positive(),
    bytes: count,
    main: part,
    conflicts: z.array(text),
    conflictCount: count,
  });
  return z.union([z.array(part).min(1), manifest]) as z.ZodType<Parts<T>>;
}
const parts = partsOf(copiedPart);
const placed = partsOf(placedPart);

export const ACTIVITY_INPUTS = {
  copyFromCamera: z.strictObject({ cameraHost: text, fileName: text, framesName: text, suffix: text }),
  claimCameraMovie: z.strictObject({ cameraHost: text, framesName: text, lookBackDays: z.number().positive(), noImageSince: databaseTime.optional() }),
  resolveLeginonName: z.strictObject({ cameraHost: text, framesName: text, suffix: text, lookBackDays: z.number().positive(), noImageSince: databaseTime.optional() }),
  placeInSession: z.strictObject({ cameraHost: text, parts, bufferDir: text, bufferIsArchive: z.boolean(), filename: text, owner }),
  recordDeInfo: z.strictObject({ imageClass: z.enum(IMAGE_CLASSES), imageId: z.number().int().positive(), parts: placed, bufferIsArchive: z.boolean() }),
  copyReferences: z.strictObject({ imageClass: z.enum(IMAGE_CLASSES).optional(), imageId: z.number().int().positive(), bufferDir: text, bufferIsArchive: z.boolean(), movieName: text, owner }),
  setAsideUnknownMovie: z.strictObject({ cameraHost: text, parts }),
  freeCamera: z.strictObject({ cameraHost: text, parts, placed }),
  restoreBufferCopy: z.strictObject({ cameraHost: text, parts, placed }),
  expireBufferCopy: z.strictObject({ buffer: placed, archive: placed }),
  dropPartManifests: z.strictObject({ manifests: z.array(manifestName) }),
  archiveMovie: z.strictObject({ buffer: placed, bufferDir: text, archiveDir: text, filename: text, damagedArchive: z.array(placedPart).optional() }),
} as const;

export type CheckedActivity = keyof typeof ACTIVITY_INPUTS;

/** The input as its schema reads it, or a non-retryable failure naming the activity and the bad key. */
export function checkActivityInput(activity: CheckedActivity, input: unknown): void {
  const result = ACTIVITY_INPUTS[activity].safeParse(input);
  if (result.success) return;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('; ');
  throw ApplicationFailure.nonRetryable(`${activity} refused its input (${problems}); nothing was done`, 'InvalidActivityInput');
}
