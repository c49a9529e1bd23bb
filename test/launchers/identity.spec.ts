import assert from 'node:assert/strict';
import { FER_RUN_VERSION, identityMismatch } from '../../framework/runs/identity.js';

describe("a worker's check of a job's fer-run version and plugin set", () => {
  const ours = { version: FER_RUN_VERSION, plugins: ['backbone/resnet-mini', 'launcher/bullmq'] };

  it('the same version and plugins: accepted', () => {
    assert.equal(identityMismatch(ours, { ...ours, plugins: [...ours.plugins] }), null);
  });

  it('another version: refused, naming both', () => {
    assert.equal(identityMismatch(ours, { ...ours, version: '0.0.9' }), `the job was submitted by fer-run 0.0.9, this worker is fer-run ${FER_RUN_VERSION}`);
  });

  it('plugins on either side only: refused, naming them', () => {
    assert.equal(
      identityMismatch(ours, { ...ours, plugins: ['backbone/resnet-mini', 'occluder/stripe'] }),
      'the plugin sets differ (the submitter has occluder/stripe, this worker does not; this worker has launcher/bullmq, the submitter does not)',
    );
  });
});
