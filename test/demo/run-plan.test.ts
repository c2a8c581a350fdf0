import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDemoSettings } from '../../src/demo/config';
import { demoRunPrefix, isRunOf, planDemoRun, runStamp } from '../../src/demo/demo-run';
import { outputDirFor, pathSafeName } from '../../src/shared/output-dirs';

/** Which run a demo start is and what it owns (pure: no services). */
const NOW = Date.parse('2026-11-26T10:15:00.123Z');
const settings = readDemoSettings({
  SNAPSHOT_DIR: '/data/snapshots',
  REPORT_DIR: '/data/reports',
  DASHBOARD_DATA_DIR: join(tmpdir(), 'dash'),
});

describe('outputDirFor', () => {
  test('is the base folder joined with the workflow id', () => {
    expect(outputDirFor('/data/snapshots', 'retweet-tracking')).toBe('/data/snapshots/retweet-tracking');
    expect(outputDirFor('data/snapshots/', 'retweet-tracking-demo-F-2s-20261126-101500-123')).toBe(
      'data/snapshots/retweet-tracking-demo-F-2s-20261126-101500-123',
    );
  });

  test('makes any id one safe path segment, and two ids never one folder', () => {
    expect(pathSafeName('../etc/passwd')).toBe('%2E.%2Fetc%2Fpasswd');
    expect(pathSafeName('.')).toBe('%2E');
    expect(pathSafeName('a b%c')).toBe('a%20b%25c');
    expect(pathSafeName('ретвит')).toMatch(/^(%[0-9A-F]{2})+$/);
    expect(pathSafeName('a/b')).not.toBe(pathSafeName('a_b'));
    const long = 'x'.repeat(300);
    expect(pathSafeName(long).length).toBeLessThanOrEqual(200);
    expect(pathSafeName(long)).not.toBe(pathSafeName(`${long}y`));
  });
});

describe('planDemoRun', () => {
  test('the real-time demo without a scenario is the long-running run: its id, task queue and topics', () => {
    const run = planDemoRun({ tickSeconds: 60, seed: 1 }, settings, NOW);
    expect(run).toMatchObject({
      workflowId: 'retweet-tracking',
      taskQueue: 'retweet-tracking',
      fresh: false,
      snapshotDir: '/data/snapshots/retweet-tracking',
    });
    expect(run.env.KAFKA_TWEETS_TOPIC).toBeUndefined();
  });

  test('a fast clock or a scenario is a fresh run with its own id, task queue, topics, groups and folders', () => {
    const run = planDemoRun({ tickSeconds: 2, seed: 1, scenario: '/somewhere/F-replay.json' }, settings, NOW);
    const id = 'retweet-tracking-demo-F_replay-2s-20261126-101500-123';
    expect(run).toMatchObject({
      workflowId: id,
      taskQueue: id,
      fresh: true,
      prefix: 'retweet-tracking-demo-F_replay-2s-',
      snapshotDir: `/data/snapshots/${id}`,
      reportDir: `/data/reports/${id}`,
    });
    expect(run.env).toMatchObject({
      TRACKING_WORKFLOW_ID: id,
      BRIDGE_WORKFLOW_ID: id,
      TEMPORAL_TASK_QUEUE: id,
      KAFKA_TWEETS_TOPIC: `${id}.tweets`,
      KAFKA_PROGRESS_TOPIC: `${id}.tweets.progress`,
      KAFKA_COUNTS_TOPIC: `${id}.retweet-counts`,
      BRIDGE_GROUP_ID: `${id}.bridge`,
      SNAPSHOT_DIR: '/data/snapshots',
    });
    expect(planDemoRun({ tickSeconds: 60, seed: 1, scenario: '/x/F.json' }, settings, NOW).fresh).toBe(true);
    expect(planDemoRun({ tickSeconds: 5, seed: 1 }, settings, NOW).workflowId).toBe(
      'retweet-tracking-demo-default-5s-20261126-101500-123',
    );
  });

  test('earlier runs are recognised by prefix and stamp, not by a scenario whose name merely starts alike', () => {
    const prefix = demoRunPrefix('default', 2);
    expect(isRunOf(prefix, `${prefix}${runStamp(NOW)}`)).toBe(true);
    expect(isRunOf(prefix, `${demoRunPrefix('default_2s_x', 2)}${runStamp(NOW)}`)).toBe(false);
    expect(isRunOf(prefix, 'retweet-tracking')).toBe(false);
  });
});
