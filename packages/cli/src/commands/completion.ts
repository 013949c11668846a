import { UsageError, type CommandSpec } from '@mydocker/core';

/**
 * `completion bash|zsh|fish`: a script made from the commands and flags the installed plugins
 * contribute, so a plugin's command completes as soon as it is installed.
 */
export function completionCommand(listCommands: () => import('@mydocker/core').RegisteredCommand[]): CommandSpec {
  return {
    command: 'completion <shell>',
    describe: 'Print a shell completion script (bash, zsh or fish)',
    builder: (y) => y.positional('shell', { type: 'string', describe: 'bash | zsh | fish' }),
    async run(args, ctx) {
      const shell = String(args.shell);
      const { bashCompletion, describeCommand, fishCompletion, zshCompletion } = await import('../completion');
      const generators: Record<string, typeof bashCompletion> = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion };
      const generate = generators[shell];
      if (!generate) throw new UsageError(`Unsupported shell "${shell}": use bash, zsh or fish.`);
      ctx.stdout.write(
        generate(
          listCommands()
            .filter((c) => !c.hidden)
            .map(describeCommand),
        ),
      );
      return 0;
    },
  };
}
