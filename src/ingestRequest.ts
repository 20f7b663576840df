/**
 * What starting one movie's workflow takes: its id, input and initial search attributes. Built in one place
 * for the watcher, bufferctl and the tests, so a movie is always started the same way.
 */
import { WorkflowIdReusePolicy, type SearchAttributePair } from '@temporalio/common';
import { bufferHostFor, type CameraConfig, type Config } from './config.js';
import type { IngestMovieInput } from './movie.js';
import { movieSettings } from './movieSettings.js';
import { classifyCameraEntry } from './names.js';
import { movieWorkflowId, SEARCH_ATTRIBUTES, WORKFLOW_TASK_QUEUE } from './operatorNames.js';
import { movieStartDetails, movieStartSummary } from './webUiText.js';

export interface IngestRequest {
  workflowId: string;
  taskQueue: string;
  args: [IngestMovieInput];
  /** A movie id is used once: a second sighting, even after the first run ended, starts nothing. */
  workflowIdReusePolicy: WorkflowIdReusePolicy;
  typedSearchAttributes: SearchAttributePair[];
  /** What the Web UI shows of the movie before its workflow has run (src/webUiText.ts). */
  staticSummary: string;
  staticDetails: string;
}

/**
 * The start request for a camera entry (its name in the camera root: a movie file, or a DE frames folder), or
 * undefined if it is no movie.
 */
export function ingestRequest(config: Config, camera: CameraConfig, fileName: string, isFolder = false): IngestRequest | undefined {
  const entry = classifyCameraEntry(fileName, isFolder);
  if (entry.kind !== 'movie') return undefined;
  const bufferHost = bufferHostFor(config, camera.host);
  const workflowId = movieWorkflowId(camera.host, entry.movie.framesName);
  const input: IngestMovieInput = {
    cameraHost: camera.host,
    bufferHost: bufferHost.name,
    archiveTarget: config.archive.target,
    fileName,
    framesName: entry.movie.framesName,
    suffix: entry.movie.suffix,
    settings: movieSettings(config, camera, workflowId),
  };
  return {
    workflowId,
    taskQueue: WORKFLOW_TASK_QUEUE,
    args: [input],
    staticSummary: movieStartSummary(input),
    staticDetails: movieStartDetails(input),
    // A movie whose workflow was terminated (a movie parks, it never fails by itself) is taken again when the
    // watcher next sees its file; one that ended well keeps its id for the namespace's retention.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    typedSearchAttributes: [
      { key: SEARCH_ATTRIBUTES.movieStage, value: 'copying' },
      { key: SEARCH_ATTRIBUTES.cameraHost, value: camera.host },
      { key: SEARCH_ATTRIBUTES.bufferHost, value: bufferHost.name },
    ],
  };
}
