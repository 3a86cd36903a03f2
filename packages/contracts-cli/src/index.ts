/*
 * contracts: check cross-service contracts in any repository's CI, before integration.
 */
import { main } from './main';
import { isParseWorker, serveParseWorker } from './parallel';

if (isParseWorker()) {
  serveParseWorker();
} else {
  main(process.argv).then(
    code => {
      process.exitCode = code;
    },
    error => {
      process.stderr.write(`contracts: ${error?.message ?? error}\n`);
      process.exitCode = 2;
    },
  );
}
