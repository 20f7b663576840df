/**
 * What every io and archive activity does first and last: check its input's shape (src/activityInputs.ts),
 * heartbeat every full-file loop it runs, and turn a refusal on safety grounds into a failure without retries,
 * which parks the movie with the reason.
 */
import { ACTIVITY_INPUTS, checkActivityInput, type CheckedActivity } from '../src/activityInputs.js';
import { withFileProgress } from '../src/fileProgress.js';
import { heartbeatFileProgress, refuseUnsafe } from './progress.js';

const isChecked = (name: string): name is CheckedActivity => name in ACTIVITY_INPUTS;

export function guardActivities<T extends Record<string, (input: never) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [
      name,
      async (input: never) => {
        if (isChecked(name)) checkActivityInput(name, input);
        return withFileProgress(heartbeatFileProgress(), () => activity(input)).catch(refuseUnsafe);
      },
    ]),
  ) as T;
}
