import { Command } from 'commander';

/** Runs the CLI and resolves to its exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('contracts')
    .description('Check cross-service contracts before integration.')
    .exitOverride();
  program.parse(argv);
  return 0;
}
