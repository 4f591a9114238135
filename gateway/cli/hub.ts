#!/usr/bin/env node
import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, Option } from 'commander';
import { printSchema } from 'graphql';
import { pendingMigrations, schemaDrift } from '../../schema/db/orm';
import { exportDemoCounty } from '../../schema/demo/export';
import { generateDemoCounty } from '../../schema/demo/generate';
import { seedDemoCounty } from '../../schema/demo/seed';
import { CONFIG_HELP, type Config, ConfigError, loadConfig, redactUrl } from '../../schema/runtime/config';
import { StartupError } from '../../schema/runtime/errors';
import { createLogger, type Logger } from '../../schema/runtime/logger';
import { type HubOptions, openInfrastructure, Stack, startHub } from '../hub';
import { buildGatewaySchema } from '../schema';
import { HUB_VERSION } from '../version';
import { registerAccessCommands } from './access';
import { registerConnectorCommands } from './connectors';
import { registerEventCommands } from './events';
import { registerFeesCommands } from './fees';
import { registerFleetCommands } from './fleet';
import { registerReportCommands } from './report';

/** Runs a command with the parsed config and a logger; known failures print one line, not a stack. */
function action<A extends unknown[]>(run: (config: Config, logger: Logger, ...args: A) => Promise<void>) {
  return async (...args: A) => {
    let config: Config;
    try {
      config = loadConfig();
    } catch (error) {
      fail(error);
    }
    const logger = createLogger(config.logLevel);
    try {
      await run(config, logger, ...args);
    } catch (error) {
      fail(error, logger);
    }
  };
}

function fail(error: unknown, logger?: Logger): never {
  if (error instanceof StartupError || error instanceof ConfigError) {
    process.stderr.write(`gridhub: ${error.message}\n`);
  } else {
    logger?.fatal({ err: error }, 'unexpected failure');
    process.stderr.write(
      `gridhub: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  process.exit(1);
}

/**
 * Runs until SIGINT/SIGTERM, then stops cleanly. A second signal forces the exit, unless it comes within a
 * second of the first: Ctrl+C under `npm start` reaches the hub twice, from the terminal and from npm.
 */
async function runUntilSignal(config: Config, logger: Logger, options: HubOptions) {
  const hub = await startHub(config, logger, options);
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt) {
      if (Date.now() - firstSignalAt < 1_000) return;
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    firstSignalAt = Date.now();
    logger.info({ signal }, 'stopping: finishing in-flight requests and jobs');
    hub.stop().then(
      () => process.exit(0),
      (error) => fail(error, logger),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

const program = new Command('hub')
  .description('gridhub: the county social-governance data hub')
  .version(HUB_VERSION)
  .addHelpText(
    'after',
    `\nConfiguration (environment variables):\n${Object.entries(CONFIG_HELP)
      .map(([name, help]) => `  ${name.padEnd(30)} ${help}`)
      .join('\n')}\n`,
  );

program
  .command('start', { isDefault: true })
  .description(
    'run the gateway and the workers in one process (embedded PostgreSQL/Redis when no URLs are set)',
  )
  .action(action((config, logger) => runUntilSignal(config, logger, { gateway: true, workers: true })));

program
  .command('gateway')
  .description('run only the HTTP/GraphQL gateway (scale out behind a load balancer)')
  .action(action((config, logger) => runUntilSignal(config, logger, { gateway: true, workers: false })));

program
  .command('worker')
  .description('run only the BullMQ workers (bulk sync, reconciliation, scheduled upkeep)')
  .action(action((config, logger) => runUntilSignal(config, logger, { gateway: false, workers: true })));

program
  .command('migrate')
  .description('apply pending database migrations and exit (the hub also applies them at start)')
  .addOption(
    new Option('--check', 'apply nothing; exit 1 if migrations are pending or entities drift from them'),
  )
  .addOption(new Option('--create <name>', 'write a new migration from the entity changes (development)'))
  .action(
    action(async (config, logger, opts: { check?: boolean; create?: string }) => {
      const stack = new Stack(logger);
      try {
        const infra = await openInfrastructure(config, logger, stack, { redis: false });
        const { orm } = infra;
        if (opts.check) {
          const pending = await pendingMigrations(orm);
          const drift = pending.length ? '' : await schemaDrift(orm);
          if (pending.length) process.stdout.write(`pending migrations: ${pending.join(', ')}\n`);
          if (drift) process.stdout.write(`entities differ from the migrations; missing SQL:\n${drift}\n`);
          if (pending.length || drift) process.exitCode = 1;
          else process.stdout.write('database schema matches the migrations and the entities\n');
        } else if (opts.create) {
          await infra.migrate();
          const result = await orm.migrator.createMigration(undefined, false, false, opts.create);
          process.stdout.write(
            result.diff.up.length
              ? `wrote ${result.fileName}; add it to schema/db/migrations/index.ts\n`
              : 'no entity changes: nothing to write\n',
          );
        } else {
          const applied = await infra.migrate();
          process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'nothing to apply\n');
        }
      } finally {
        await stack.unwind();
      }
    }),
  );

program
  .command('seed-demo')
  .description(
    'load the synthetic demo county: the region tree, then (on a database without people) its people, places, organisations and events',
  )
  .action(
    action(async (config, logger) => {
      const stack = new Stack(logger);
      try {
        const infra = await openInfrastructure(config, logger, stack, { redis: false });
        const { orm } = infra;
        await infra.migrate();
        await seedDemoCounty(
          orm.em.fork(),
          { scale: config.demoScale, embedded: infra.embeddedDatabase },
          logger,
        );
      } finally {
        await stack.unwind();
      }
    }),
  );

program
  .command('demo-export')
  .description(
    'write the demo county as its departments would export it: one CSV per department and data set',
  )
  .argument('<dir>', 'folder to write into')
  .addOption(new Option('--encoding <encoding>', 'file encoding').choices(['gbk', 'utf8']).default('gbk'))
  .action(
    action(async (config, _logger, dir: string, opts: { encoding: 'gbk' | 'utf8' }) => {
      const files = await exportDemoCounty(
        generateDemoCounty({ seed: 1, scale: config.demoScale }),
        dir,
        opts,
      );
      for (const f of files) process.stdout.write(`${f.rows.toString().padStart(7)}  ${f.file}\n`);
    }),
  );

program
  .command('schema')
  .description('print the GraphQL schema (SDL) partners build against')
  .option('--write', 'write it to gateway/schema.graphql instead')
  .action(async (opts: { write?: boolean }) => {
    const sdl = `${printSchema(await buildGatewaySchema())}\n`;
    if (opts.write) {
      const file = path.join(
        __dirname.replace(`${path.sep}dist${path.sep}`, path.sep),
        '..',
        'schema.graphql',
      );
      await writeFile(file, sdl);
      process.stdout.write(`wrote ${file}\n`);
    } else process.stdout.write(sdl);
  });

program
  .command('config')
  .description('print the effective configuration (passwords hidden) and exit')
  .action(
    action(async (config) => {
      const shown = {
        ...config,
        databaseUrl: config.databaseUrl ? redactUrl(config.databaseUrl) : '(embedded PGlite)',
        redisUrl: config.redisUrl ? redactUrl(config.redisUrl) : '(embedded redis-server)',
        secretKey: config.secretKey ? '***' : '(key file in the data directory)',
        caPassphrase: config.caPassphrase ? '***' : '(ca-passphrase file in the data directory)',
      };
      process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    }),
  );

registerConnectorCommands(program);
registerAccessCommands(program);
registerFleetCommands(program);
registerFeesCommands(program);
registerEventCommands(program);
registerReportCommands(program);

program.parseAsync(process.argv).catch((error) => fail(error));
