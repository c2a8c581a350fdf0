import { readDashboardConfig } from '../../src/dashboard/config';
import { parseAlertRules } from '../../src/dashboard/alert-rules';

/** Invalid dashboard configuration stops start-up with a message naming the variable. */
describe('dashboard configuration', () => {
  it('has defaults that serve on 127.0.0.1:8080 with a store and consumer group per instance', () => {
    const config = readDashboardConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      instanceId: 'default',
      groupId: 'retweet-tracker-dashboard-default',
      alertRules: [],
    });
    expect(config.topics).toEqual({ counts: 'retweet-counts', reports: 'retweet-reports' });
    const second = readDashboardConfig({ DASHBOARD_INSTANCE_ID: 'b' });
    expect(second.groupId).not.toBe(config.groupId);
    expect(second.dbPath).not.toBe(config.dbPath);
  });

  it.each([
    [{ DASHBOARD_PORT: 'http' }, 'DASHBOARD_PORT must be a whole number'],
    [{ DASHBOARD_PORT: '70000' }, 'DASHBOARD_PORT must be between 0 and 65535'],
    [{ DASHBOARD_HOST: 'bad host/' }, 'DASHBOARD_HOST must be a host name or IP address'],
    [{ DASHBOARD_INSTANCE_ID: 'a b' }, 'DASHBOARD_INSTANCE_ID must be'],
    [{ ALERT_RULES: '{"name":"x"}' }, 'ALERT_RULES must be a JSON array'],
    [{ ALERT_RULES: '[{"name":"x","gain":5}]' }, 'ALERT_RULES[0] "withinMinutes" must be'],
    [{ ALERT_RULES: '[{"name":"x","passes":-1}]' }, 'ALERT_RULES[0] "passes" must be a positive whole number'],
    [{ ALERT_RULES: '[{"name":"x","passes":1},{"name":"x","passes":2}]' }, 'names the rule "x" twice'],
    [{ ALERT_WEBHOOK_URL: 'ftp://hooks' }, 'ALERT_WEBHOOK_URL must be http(s)'],
    [{ ALERT_RULES_FILE: '/nonexistent/rules.json' }, 'ALERT_RULES_FILE names a file that cannot be read'],
  ])('refuses %j', (env, message) => {
    expect(() => readDashboardConfig(env)).toThrow(message);
  });

  it('reads both kinds of rule', () => {
    expect(
      parseAlertRules('[{"name":"fast","gain":50,"withinMinutes":10},{"name":"big","passes":1000}]', 'ALERT_RULES'),
    ).toEqual([
      { name: 'fast', gain: 50, withinMinutes: 10 },
      { name: 'big', passes: 1000 },
    ]);
  });
});
