import { Command, CommanderError } from 'commander';
import { agentsCommand, deliveriesCommand, keysCommand, runsCommand } from './commands/admin';
import { conversationsCommand } from './commands/conversations';
import { messageCommands } from './commands/messages';
import { sessionsCommand } from './commands/sessions';
import { transferCommands } from './commands/transfer';
import { describeError, EXIT, exitCodeOf } from './exit-codes';

/** The `threadline` program: global options, then every command (each with --help). */
function program(): Command {
  const root = new Command('threadline')
    .description(
      'Threadline from the command line: conversations, messages, live tails, runs, sessions, agents, keys (docs/cli.md)',
    )
    .option('--url <url>', 'the command service (THREADLINE_URL; default http://127.0.0.1:4000)')
    .option('--realtime-url <url>', 'the realtime service (THREADLINE_REALTIME_URL; default: --url on port 4001)')
    .option('--token <token>', 'an API key or JWT (THREADLINE_TOKEN)')
    .option('--profile <name>', 'a profile of the config file (THREADLINE_CONFIG or ~/.config/threadline/config.json)')
    .option('--json', 'JSON lines (the default when stdout is not a terminal)')
    .showHelpAfterError()
    .exitOverride();
  for (const command of [
    conversationsCommand(),
    ...messageCommands(),
    ...transferCommands(),
    runsCommand(),
    sessionsCommand(),
    agentsCommand(),
    deliveriesCommand(),
    keysCommand(),
  ]) {
    root.addCommand(command);
  }
  applyToAll(root, (command) => command.exitOverride());
  return root;
}

function applyToAll(command: Command, apply: (command: Command) => void): void {
  apply(command);
  command.commands.forEach((child) => applyToAll(child, apply));
}

async function main(): Promise<number> {
  try {
    await program().parseAsync(process.argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`${describeError(error)}\n`);
    return exitCodeOf(error);
  }
}

void main().then((code) => {
  process.exitCode = code;
});
