import { readWorkerVersioning } from '../../src/temporal/config';
import { defaultBuildId, deploymentVersionOf } from '../../src/temporal/worker-deployment';
import { version } from '../../package.json';

/** Which Worker Deployment version the worker runs as (README "Worker versioning and upgrades"). */
describe('worker versioning settings', () => {
  it('is on (auto) for the product task queue and off for a throwaway one, unless set', () => {
    expect(readWorkerVersioning({}, 'retweet-tracking')).toEqual({ mode: 'auto', deploymentName: 'retweet-tracker' });
    expect(readWorkerVersioning({}, 'e2e-123')).toEqual({ mode: 'off', deploymentName: 'retweet-tracker' });
    expect(
      readWorkerVersioning(
        {
          TEMPORAL_WORKER_VERSIONING: 'manual',
          TEMPORAL_DEPLOYMENT_NAME: 'tracker-eu',
          TEMPORAL_WORKER_BUILD_ID: 'ci-841',
        },
        'e2e-123',
      ),
    ).toEqual({
      mode: 'manual',
      deploymentName: 'tracker-eu',
      buildId: 'ci-841',
    });
  });

  it('names the variable that is wrong', () => {
    expect(() => readWorkerVersioning({ TEMPORAL_WORKER_VERSIONING: 'yes' }, 'retweet-tracking')).toThrow(
      'TEMPORAL_WORKER_VERSIONING must be auto, manual or off, got "yes"',
    );
    expect(() => readWorkerVersioning({ TEMPORAL_DEPLOYMENT_NAME: 'retweet.tracker' }, 'retweet-tracking')).toThrow(
      'TEMPORAL_DEPLOYMENT_NAME must not contain a dot',
    );
    expect(() => readWorkerVersioning({ TEMPORAL_DEPLOYMENT_NAME: ' ' }, 'retweet-tracking')).toThrow(
      'TEMPORAL_DEPLOYMENT_NAME is set but empty',
    );
  });

  it('derives the build id from the package version and the workflow code: same code, same id', () => {
    const id = defaultBuildId('workflow code');
    expect(id).toMatch(new RegExp(`^${version.replace(/\./g, '\\.')}-[0-9a-f]{12}$`));
    expect(defaultBuildId('workflow code')).toBe(id);
    expect(defaultBuildId('workflow code, changed')).not.toBe(id);
    expect(deploymentVersionOf({ mode: 'auto', deploymentName: 'retweet-tracker' }, 'workflow code')).toEqual({
      deploymentName: 'retweet-tracker',
      buildId: id,
    });
    expect(
      deploymentVersionOf({ mode: 'auto', deploymentName: 'retweet-tracker', buildId: 'ci-841' }, 'workflow code'),
    ).toEqual({ deploymentName: 'retweet-tracker', buildId: 'ci-841' });
    expect(deploymentVersionOf({ mode: 'off', deploymentName: 'retweet-tracker' }, 'workflow code')).toBeUndefined();
  });
});
