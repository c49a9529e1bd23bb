import { selectBackend } from '../engine/backend.js';
import { createContainer, registryOf } from '../di/container.js';
import { InputError } from '../errors.js';
import { discoverPlugins } from '../plugin/discovery.js';
import type { FromRunner, ToRunner } from './cell-runner.js';
import { DataCache } from '../data/data-cache.js';
import { captureEnvironment } from './environment.js';
import { RecordStore } from './record-store.js';
import { runCell, type CellServices } from './run-cell.js';

/** The cell runner's process (cell-runner.ts starts it): load plugins and backend once, then run cells as they come. */
const send = (m: FromRunner) => process.send!(m);
// The parent is gone (killed, or closed the channel): stop, rather than train for nobody.
process.on('disconnect', () => process.exit(1));

let services: Promise<CellServices> | null = null;
let queue = Promise.resolve();

process.on('message', (m: ToRunner) => {
  if (m.kind === 'init') {
    services = (async () => {
      const registry = registryOf(createContainer(await discoverPlugins(m.spec.pluginDirs)));
      const backend = await selectBackend(m.spec.backend);
      const log = (l: string) => process.stderr.write(`${l}\n`);
      return { registry, backend, store: new RecordStore(m.runsDir), data: new DataCache(registry, m.spec.cacheDir, log), env: captureEnvironment(backend, m.spec.projectDir), log, progress: m.progress };
    })();
    services.then(
      () => send({ kind: 'ready' }),
      (e: Error) => {
        send({ kind: 'fatal', message: e.message, badInput: e instanceof InputError });
        process.disconnect();
      },
    );
  } else if (m.kind === 'run') {
    queue = queue.then(async () => {
      send({ kind: 'result', result: await runCell(m.job, await services!) });
    });
  }
});
