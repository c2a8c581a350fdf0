import type { EmTweet, EmUser } from './model';

/** A filtered-stream rule as X stores it. */
export interface StoredRule {
  id: string;
  value: string;
  tag?: string;
}

interface Term {
  operator: 'from' | 'retweets_of';
  user: string;
}

/** The subset of X's rule language the emulator understands: `from:` and `retweets_of:` terms joined by OR. */
export function parseRule(value: string): Term[] | string {
  const body = value.trim().replace(/^\((.*)\)$/s, '$1');
  const terms: Term[] = [];
  for (const part of body.split(/\s+OR\s+/)) {
    const match = /^\(?(from|retweets_of):([A-Za-z0-9_]{1,20})\)?$/.exec(part.trim());
    if (!match)
      return `Unsupported clause "${part.trim()}": the emulator understands from:<user> and retweets_of:<user> joined by OR`;
    terms.push({ operator: match[1] as Term['operator'], user: match[2].toLowerCase() });
  }
  return terms;
}

function isUser(user: EmUser | undefined, ref: string): boolean {
  return !!user && (user.id === ref || user.username.toLowerCase() === ref);
}

/** The rules (with parsed terms) of one app, and which of them a post matches. */
export class RuleStore {
  private readonly rules = new Map<string, { rule: StoredRule; terms: Term[] }>();
  private nextId = 1_700_000_000_000_000_000n;

  /** The rules in creation order. */
  list(): StoredRule[] {
    return [...this.rules.values()].map(({ rule }) => ({ ...rule }));
  }

  count(): number {
    return this.rules.size;
  }

  findByValue(value: string): StoredRule | undefined {
    return [...this.rules.values()].find(({ rule }) => rule.value === value)?.rule;
  }

  /** Stores a rule whose terms were already parsed. */
  add(value: string, tag: string | undefined, terms: Term[]): StoredRule {
    const rule: StoredRule = { id: String(this.nextId++), value, ...(tag ? { tag } : {}) };
    this.rules.set(rule.id, { rule, terms });
    return rule;
  }

  delete(id: string): boolean {
    return this.rules.delete(id);
  }

  /** The rules `tweet` matches; `users` resolves authors (and the original's author for a retweet). */
  matching(tweet: EmTweet, users: Map<string, EmUser>, originalAuthorId?: string): StoredRule[] {
    const author = users.get(tweet.authorId);
    const originalAuthor = originalAuthorId ? users.get(originalAuthorId) : undefined;
    return [...this.rules.values()]
      .filter(({ terms }) =>
        terms.some((term) =>
          term.operator === 'from' ? isUser(author, term.user) : isUser(originalAuthor, term.user),
        ),
      )
      .map(({ rule }) => rule);
  }
}
