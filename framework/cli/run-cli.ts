import { Command } from 'commander';
import { FerError } from '../errors.js';
import { FER_RUN_VERSION } from '../runs/identity.js';
import { registerCommands } from './commands.js';

/**
 * Parses and runs one fer-run command line; returns the exit code. Every failure the user can act
 * on is a FerError: printed as one paragraph with exit code 2 (bad input) or 1 (run failure),
 * never a stack trace.
 */
export async function runCli(argv: string[]): Promise<number> {
  const program = new Command('fer-run')
    .description('Reproducible occlusion-robust facial expression recognition experiments: manifest in, trained models and paper-style reports out.')
    .version(FER_RUN_VERSION, '-V, --version', 'print the fer-run version')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  registerCommands(program);
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      return code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help' ? 0 : 2;
    }
    if (e instanceof FerError) {
      process.stderr.write(`fer-run: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`fer-run: internal error: ${(e as Error).message}\n`);
    if (process.env.FER_RUN_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    else process.stderr.write('Set FER_RUN_DEBUG=1 for the stack trace, and please report it.\n');
    return 1;
  }
}
