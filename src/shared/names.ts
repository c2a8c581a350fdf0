/** Names shared by the worker, the clients (bridge, CLI, tctl/temporal users) and the tests. */
export const TASK_QUEUE = 'retweet-tracking';
export const WORKFLOW_TYPE = 'RetweetTracking';
export const DEFAULT_WORKFLOW_ID = 'retweet-tracking';

export const TWEETS_TOPIC = 'tweets';
export const DEAD_LETTER_TOPIC = 'tweets.dlq';
export const BRIDGE_CONSUMER_GROUP = 'retweet-tracker-bridge';
