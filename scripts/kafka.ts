/**
 * npm run kafka [-- start [names…] | lock]
 *   start  starts local KRaft clusters (default: source target) and keeps them up until Ctrl-C
 *   fetch  resolves the pinned Kafka jars into the cache (first run downloads, later runs reuse)
 *   lock   re-resolves the pinned Kafka jars and rewrites src/local-kafka/kafka-jars.lock
 */
import { Command } from 'commander';
import { ensureKafkaDistribution } from '../src/local-kafka/distribution.js';
import { startLocalClusters } from '../src/local-kafka/cluster.js';

const log = (line: string) => console.log(line);
const program = new Command('npm run kafka --').description('local Apache Kafka clusters for kmirror development');

program.command('start', { isDefault: true })
  .argument('[names...]', 'cluster names', ['source', 'target'])
  .description('start single-node KRaft clusters on loopback until interrupted')
  .action(async (names: string[]) => {
    const clusters = await startLocalClusters({ clusters: names, log });
    console.log(JSON.stringify(clusters.bootstrap));
    const stop = async () => {
      await clusters.stop();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program.command('fetch')
  .description('resolve the pinned Kafka jars into the cache (checked against kafka-jars.lock)')
  .action(async () => {
    const dist = await ensureKafkaDistribution({ log });
    console.log(`Apache Kafka ${dist.version}: ${dist.libsDir}`);
  });

program.command('lock')
  .description('resolve the Kafka jars from Maven Central and rewrite kafka-jars.lock')
  .action(async () => {
    await ensureKafkaDistribution({ log, updateLock: true });
  });

await program.parseAsync();
