import { definePlugin } from '../../../framework/index.js';

/** Cells one after another in this process: the default, and what every other launcher's workers do per cell. */
export default definePlugin<'launcher', Record<string, never>>({
  kind: 'launcher',
  name: 'local',
  description: 'Runs the cells one after another in this process (the default).',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => ({
    title: 'in process',
    async *launch(jobs, env) {
      for (const job of jobs) yield await env.runHere(job);
    },
  }),
});
