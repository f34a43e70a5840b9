#!/usr/bin/env node
import { Command, Option } from 'commander';
import { isKmirrorError, ErrorCodes } from '../errors.js';
import { runCommand } from './run.js';
import { validateCommand } from './validate.js';

/** Exit codes: 0 fine, 1 failed at run time, 2 the input (config, arguments) is wrong. */
export const EXIT_INPUT = 2;

const program = new Command('kmirror')
  .description('High-throughput Kafka cross-cluster replication, MirrorMaker 2 compatible')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_INPUT));

program.command('validate')
  .description('check an mm2.properties file and print the resolved flows (secrets redacted); exits 2 on errors')
  .argument('<file>', 'the mm2.properties file')
  .addOption(new Option('--json', 'print the resolved configuration as JSON'))
  .action(async (file: string, options: { json?: boolean }) => {
    process.exitCode = await validateCommand(file, options, process.stdout, process.stderr);
  });

program.command('run')
  .description('replicate as mm2.properties says, until SIGINT/SIGTERM')
  .argument('<file>', 'the mm2.properties file')
  .addOption(new Option('--log-level <level>', 'trace, debug, info, warn, error').choices(['trace', 'debug', 'info', 'warn', 'error']))
  .action(async (file: string, options: { logLevel?: string }) => {
    await runCommand(file, options);
  });

try {
  await program.parseAsync();
} catch (err) {
  if (isKmirrorError(err)) {
    process.stderr.write(`kmirror: ${err.message}\n${err.details.map((d) => `  ${d}\n`).join('')}`);
    process.exitCode = err.code === ErrorCodes.CONFIG_INVALID || err.code === ErrorCodes.FILE_UNREADABLE ? EXIT_INPUT : 1;
  } else {
    process.stderr.write(`kmirror: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
