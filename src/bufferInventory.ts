/** What a buffer host holds: its disk usage, and its archived movies (the only ones expiry may take early). */
import { statfs } from 'node:fs/promises';
import type { Client } from '@temporalio/client';
import type { BufferUsage, ExpiryCandidate } from './capacity.js';
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

/** Archived, still-open movies of a buffer host, with their arrival time and size. */
export async function archivedMovies(client: Client, bufferHost: string): Promise<ExpiryCandidate[]> {
  const movies: ExpiryCandidate[] = [];
  for await (const movie of client.workflow.list({ query: movieListQuery({ bufferHost, stage: 'archived', open: true }) })) {
    movies.push({ workflowId: movie.workflowId, startTime: movie.startTime, bytes: movie.typedSearchAttributes.get(SEARCH_ATTRIBUTES.movieBytes) ?? 0 });
  }
  return movies;
}

