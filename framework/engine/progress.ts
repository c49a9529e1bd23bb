import cliProgress from 'cli-progress';
import type { EpochMetrics, ProgressSink } from './trainer.js';

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

/**
 * A live bar on a terminal (epoch, step, loss terms, images/s, ETA); one line per epoch otherwise
 * (logs, CI). `label` names the cell (row, training, seed).
 */
export function consoleProgress(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  const tty = !!stream.isTTY;
  let bar: cliProgress.SingleBar | null = null;
  let epochs = 0;
  let done = 0;
  return {
    start(totalSteps, totalEpochs) {
      epochs = totalEpochs;
      if (!tty || totalSteps === 0) return;
      bar = new cliProgress.SingleBar(
        {
          format: `${label} |{bar}| ep {epoch}/{epochs} step {step} | L {loss} emp {emp} noisy {noisy} F {lf} D {ld} | {ips} img/s | ETA {eta_formatted}`,
          stream,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(totalSteps, 0, { epoch: 0, epochs, step: 0, loss: '-', emp: '-', noisy: '-', lf: '-', ld: '-', ips: '-' });
    },
    step({ epoch, step, steps, losses, imagesPerSecond }) {
      done++;
      bar?.update(done, {
        epoch: epoch + 1,
        epochs,
        step: `${step + 1}/${steps}`,
        loss: fmt(losses.total),
        emp: fmt(losses.emp),
        noisy: fmt(losses.noisy),
        lf: fmt(losses.f),
        ld: fmt(losses.d),
        ips: imagesPerSecond.toFixed(0),
      });
    },
    epoch(m: EpochMetrics) {
      if (tty) return;
      stream.write(
        `${label} epoch ${m.epoch + 1}/${epochs}: loss ${fmt(m.loss)} (emp ${fmt(m.lossEmp)}, noisy ${fmt(m.lossNoisy)}, F ${fmt(m.lossF)}, D ${fmt(m.lossD)}) ` +
          `train acc ${(m.trainAccuracy * 100).toFixed(1)}% lr ${m.lr.toExponential(2)} ${m.imagesPerSecond.toFixed(0)} img/s\n`,
      );
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
