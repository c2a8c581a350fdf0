import type { StreamingV2Rule } from 'twitter-api-v2';
import type { XClient } from './client';
import { toXError } from './errors';

/** The tag that marks the stream rules this project owns; rules with other tags are never touched. */
export const RULE_TAG = 'retweet-tracker';

/** X's rule length limit for Basic and Pro access (Enterprise allows 2048). */
export const MAX_RULE_LENGTH = 512;

/**
 * Rule values that match the users' own posts (`from:<id>`) and, with `retweets`, other accounts' retweets of them
 * (`retweets_of:<id>`, what v1.1 `follow=` used to deliver), joined with OR, split so no rule exceeds `maxLength`.
 */
export function buildStreamRules(
  userIds: readonly string[],
  maxLength: number = MAX_RULE_LENGTH,
  retweets = true,
): string[] {
  const rules: string[] = [];
  let current = '';
  for (const id of [...new Set(userIds)].sort()) {
    const clause = retweets ? `from:${id} OR retweets_of:${id}` : `from:${id}`;
    if (clause.length > maxLength) throw new Error(`A rule for user ${id} cannot fit in ${maxLength} characters`);
    const joined = current ? `${current} OR ${clause}` : clause;
    if (joined.length > maxLength) {
      rules.push(current);
      current = clause;
    } else {
      current = joined;
    }
  }
  if (current) rules.push(current);
  return rules;
}

/** What a rule sync changed. */
export interface RuleSyncResult {
  added: string[];
  deleted: string[];
  kept: string[];
}

/**
 * Makes the stream's rules tagged `tag` exactly those for `userIds` (with `retweets_of:` when the client's config
 * says X_STREAM_RETWEETS=on); idempotent, other rules left alone.
 */
export async function syncStreamRules(
  client: XClient,
  userIds: readonly string[],
  options: { tag?: string; maxRuleLength?: number } = {},
): Promise<RuleSyncResult> {
  const tag = options.tag ?? RULE_TAG;
  const wanted = buildStreamRules(userIds, options.maxRuleLength, client.config.streamRetweets);
  let existing: StreamingV2Rule[];
  try {
    existing = (await client.api.v2.streamRules()).data ?? [];
  } catch (error) {
    throw toXError(error, 'GET /2/tweets/search/stream/rules');
  }
  const ours = existing.filter((rule) => rule.tag === tag);
  // A wanted value that already exists under any tag counts as present: X refuses duplicate rule values.
  const presentValues = new Set(existing.map((rule) => rule.value));
  const stale = ours.filter((rule) => !wanted.includes(rule.value));
  const toAdd = wanted.filter((value) => !presentValues.has(value));
  try {
    // Delete first: the new rules may need the room under the account's rule cap.
    if (stale.length > 0) await client.api.v2.updateStreamRules({ delete: { ids: stale.map((rule) => rule.id) } });
    if (toAdd.length > 0) await client.api.v2.updateStreamRules({ add: toAdd.map((value) => ({ value, tag })) });
  } catch (error) {
    throw toXError(error, 'POST /2/tweets/search/stream/rules');
  }
  return {
    added: toAdd,
    deleted: stale.map((rule) => rule.value),
    kept: wanted.filter((value) => presentValues.has(value)),
  };
}
