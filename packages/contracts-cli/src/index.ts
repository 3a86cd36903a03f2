/*
 * contracts: check cross-service contracts in any repository's CI, before integration.
 */
import { main } from './main';

main(process.argv).then(
  code => {
    process.exitCode = code;
  },
  error => {
    process.stderr.write(`contracts: ${error?.message ?? error}\n`);
    process.exitCode = 2;
  },
);
