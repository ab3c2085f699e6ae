import { Command, Option } from 'commander';
import { seedDemo } from '../../db/seed/demo.ts';
import { loadConfig } from '../config.ts';
import { API_SCOPES } from '../modules/auth/authorize.ts';
import { createTrust } from '../modules/organisations/service.ts';
import { createAdmin } from './admin.ts';
import { createApiKeyCommand, revokeApiKeyCommand } from './api-key.ts';
import { reportError, stdout, withDatabase } from './context.ts';
import { importPeople } from './import-people.ts';
import { importPolicy } from './import-policy.ts';
import { COLUMNS_HELP, ingestLogCommand } from './ingest-log.ts';
import { verifyEvidence } from './verify-evidence.ts';

const program = new Command('countersign')
  .description('Countersign: run the server and look after its data. Settings come from the environment (see .env.example).')
  .showHelpAfterError();

program
  .command('serve')
  .description('Run the web server (the same as npm start)')
  .action(async () => {
    await import('../main.ts');
  });

program
  .command('migrate')
  .description('Apply database migrations that have not run yet, then stop')
  .action(() =>
    withDatabase(async (database) => {
      process.stdout.write(`The ${database.kind === 'pglite' ? 'embedded' : 'PostgreSQL'} database is up to date.\n`);
    }),
  );

program
  .command('seed-demo')
  .description('Create the demo trust (Oakfield Learning Trust) if the database has no trust yet')
  .action(() =>
    withDatabase(async (database) => {
      const seeded = await seedDemo(database.db);
      process.stdout.write(seeded ? 'The demo trust was created.\n' : 'The database already has a trust: nothing was changed.\n');
    }),
  );

program
  .command('create-trust')
  .description('Create a trust (or a standalone school, which is a trust of one)')
  .requiredOption('--slug <slug>', 'short name used in commands and web addresses, like vale-academy')
  .requiredOption('--name <name>', 'full name, like "Vale Academy Trust"')
  .action((options: { slug: string; name: string }) =>
    withDatabase(async (database) => {
      const trust = await createTrust(database.db, options);
      process.stdout.write(
        `Created ${trust.name} (${trust.slug}).\nNext: countersign create-admin --trust ${trust.slug} --email you@example.org --name "Your Name"\n`,
      );
    }),
  );

program
  .command('create-admin')
  .description('Make someone a trust administrator and set their password')
  .requiredOption('--trust <slug>', 'the trust’s short name')
  .requiredOption('--email <email>', 'their work email address')
  .option('--name <name>', 'their full name, needed when they are not in the trust yet')
  .addOption(new Option('--password-stdin', 'read the password from standard input instead of generating one'))
  .action((options: { trust: string; email: string; name?: string; passwordStdin?: boolean }) =>
    withDatabase((database, config) => createAdmin(database, config, options, stdout)),
  );

program
  .command('import-people')
  .description('Add and update a trust’s people from a CSV file (the same checks as the web import)')
  .requiredOption('--trust <slug>', 'the trust’s short name')
  .argument('<file>', 'the CSV file, saved as UTF-8, with a header row')
  .option('--dry-run', 'show what would change without changing anything')
  .option('--end-date-missing', 'the file is a full list: record current people missing from it as having left today')
  .action((file: string, options: { trust: string; dryRun?: boolean; endDateMissing?: boolean }) =>
    withDatabase((database, config) => importPeople(database, config, { ...options, file }, stdout)),
  );

program
  .command('ingest-log')
  .description('Read a web filter or proxy log into a monitoring source: events counted, rules applied, alerts raised (the same as uploading it on the web)')
  .requiredOption('--trust <slug>', 'the trust’s short name')
  .requiredOption('--source <name>', 'the monitoring source’s name, like "Web filter"')
  .requiredOption('--format <format>', 'squid (Squid access.log, native format), squid_common (Squid common or combined) or csv (CSV with a header row)')
  .option('--columns <mapping>', COLUMNS_HELP)
  .option('--again', 'read the file even though the same file was read into the source before (its events are then counted twice)')
  .argument('<file>', 'the log file (read as it streams: any size)')
  .action((file: string, options: { trust: string; source: string; format: string; columns?: string; again?: boolean }) =>
    withDatabase(async (database, config) => {
      await ingestLogCommand(database, config, { ...options, file }, stdout);
    }),
  );

const apiKey = program.command('api-key').description('Create and revoke the API keys other systems use to reach the API');

apiKey
  .command('create')
  .description('Create an API key and print it once')
  .requiredOption('--trust <slug>', 'the trust’s short name')
  .requiredOption('--name <name>', 'which system will use it, like "Arbor MIS sync"')
  .requiredOption('--scope <scope...>', `what the key can do, one or more of: ${Object.keys(API_SCOPES).join(', ')}`)
  .action((options: { trust: string; name: string; scope: string[] }) =>
    withDatabase((database, config) => createApiKeyCommand(database, config, options, stdout)),
  );

apiKey
  .command('revoke')
  .description('Revoke an API key: requests using it are refused from then on')
  .requiredOption('--trust <slug>', 'the trust’s short name')
  .requiredOption('--name <name>', 'the key’s name')
  .action((options: { trust: string; name: string }) => withDatabase((database, config) => revokeApiKeyCommand(database, config, options, stdout)));

program
  .command('verify-evidence')
  .description('Recompute the signature records’ hash chain and name the first record that was changed, removed or put out of order (exit code 1)')
  .option('--trust <slug>', 'check one trust (default: every trust)')
  .action((options: { trust?: string }) =>
    withDatabase(async (database, config) => {
      process.exitCode = await verifyEvidence(database, config, options, stdout, (text) => process.stderr.write(text));
    }),
  );

program
  .command('import-policy')
  .description('Read a policy document (.docx, .pdf, .txt, .md) and save it as a draft, or print what was found with --json')
  .argument('<file>', 'the policy document')
  .option('--trust <slug>', 'the trust to save the draft in')
  .option('--json', 'print the proposal as JSON and save nothing')
  .action(async (file: string, options: { trust?: string; json?: boolean }) => {
    if (options.json) {
      try {
        await importPolicy(null, loadConfig(), { file, json: true }, stdout);
      } catch (error) {
        process.exitCode = reportError(error);
      }
      return;
    }
    await withDatabase((database, config) => importPolicy(database, config, { file, ...options }, stdout));
  });

try {
  loadConfig();
} catch (error) {
  process.exit(reportError(error));
}
await program.parseAsync(process.argv);
