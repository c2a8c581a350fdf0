/** A stand-in for RetweetTracking in the producer tests: it answers `followedUsers` with a list a signal replaces. */
import { condition, defineSignal, setHandler } from '@temporalio/workflow';
import { followedUsers } from '../../src/workflows/definitions';

export const setFollowedUsers = defineSignal<[string[]]>('setFollowedUsers');

/** Runs until terminated; `followedUsers` answers the current list. */
export async function followedUsersStandIn(initial: string[]): Promise<void> {
  let users = [...initial];
  setHandler(followedUsers, () => users);
  setHandler(setFollowedUsers, (next) => {
    users = [...next];
  });
  await condition(() => false);
}
