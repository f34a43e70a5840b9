#!/usr/bin/env node
import { Command, Option } from 'commander';
import { isKmirrorError, ErrorCodes } from '../errors.js';
import { failover, formatFailover, formatTranslation, resolveFlow, translateGroup } from './offsets.js';
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

const offsets = program.command('offsets').description('consumer group offsets across clusters');
offsets.command('translate')
  .description("print where a group resumes on the target, from the target's checkpoints (kmirror or MM2)")
  .argument('<file>', 'the mm2.properties file')
  .requiredOption('--group <group>', 'the consumer group')
  .requiredOption('--from <alias>', 'the cluster the group consumed from')
  .requiredOption('--to <alias>', 'the cluster it moves to')
  .addOption(new Option('--json', 'print JSON'))
  .action(async (file: string, options: { group: string; from: string; to: string; json?: boolean }) => {
    const translated = await translateGroup(await resolveFlow(file, options.from, options.to), options);
    process.stdout.write(options.json ? JSON.stringify(translated, null, 2) + '\n' : formatTranslation(options, translated));
  });

program.command('failover')
  .description('move a consumer group to the target: check replication caught up and the group is inactive, then commit its translated offsets there')
  .argument('<file>', 'the mm2.properties file')
  .requiredOption('--group <group>', 'the consumer group')
  .requiredOption('--from <alias>', 'the cluster the group consumed from')
  .requiredOption('--to <alias>', 'the cluster it moves to')
  .addOption(new Option('--dry-run', 'check and print, commit nothing'))
  .addOption(new Option('--force', 'commit even if replication has not caught up or the source cannot be reached'))
  .addOption(new Option('--json', 'print the report as JSON'))
  .action(async (file: string, options: { group: string; from: string; to: string; dryRun?: boolean; force?: boolean; json?: boolean }) => {
    const report = await failover(await resolveFlow(file, options.from, options.to), options);
    process.stdout.write(options.json ? JSON.stringify(report, null, 2) + '\n' : formatFailover(report));
    if (report.outcome === 'refused') process.exitCode = 1;
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
