/** What a buffer host holds: its disk usage, and its archived movies (the only ones expiry may take early). */
import { statfs } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import { readOldestFirst, type BufferUsage, type ExpiryCandidate, type StartWindow } from './capacity.js';
import { SEARCH_ATTRIBUTES } from './operatorNames.js';
import { movieListQuery } from './visibilityQuery.js';

/** Size and free space (for unprivileged writers) of the file system holding `root`. */
export async function diskSpace(root: string): Promise<BufferUsage> {
  const fs = await statfs(root);
  return { totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
}

/** Bytes of a buffer host's movies being expired now: freed soon, whatever the disk says yet. */
export async function expiringBytes(client: Client, bufferHost: string): Promise<number> {
  let bytes = 0;
  for await (const movie of client.workflow.list({ query: movieListQuery({ bufferHost, stage: 'expiring', open: true }) })) {
    bytes += movie.typedSearchAttributes.get(SEARCH_ATTRIBUTES.movieBytes) ?? 0;
  }
  return bytes;
}

/** A buffer host's oldest archived, still-open movies, with their arrival time and size (see readOldestFirst). */
export function oldestArchivedMovies(client: Client, bufferHost: string, windows: StartWindow[], enough: { bytes?: number; movies?: number }): Promise<ExpiryCandidate[]> {
  return readOldestFirst(windows, (window) => archivedIn(client, bufferHost, window), enough);
}

async function* archivedIn(client: Client, bufferHost: string, { since, before }: StartWindow): AsyncIterable<ExpiryCandidate> {
  const query = movieListQuery({ bufferHost, stage: 'archived', open: true, startedSince: since?.toISOString(), startedBefore: before?.toISOString() });
  for await (const movie of client.workflow.list({ query })) {
    yield { workflowId: movie.workflowId, startTime: movie.startTime, bytes: movie.typedSearchAttributes.get(SEARCH_ATTRIBUTES.movieBytes) ?? 0 };
  }
}

/** How many archived movies a buffer host still keeps. */
export async function archivedCount(client: Client, bufferHost: string): Promise<number> {
  return (await client.workflow.count(movieListQuery({ bufferHost, stage: 'archived', open: true }))).count;
}
