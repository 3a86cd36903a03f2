/*
 * contracts: check cross-service contracts in any repository's CI, before integration.
 */
import { main } from './main';
import { isParseWorker, serveParseWorker } from './parallel';

/**
 * Exits with `code` once stdout and stderr have written everything given to them. A natural exit
 * would first free the whole heap: ≈ 0.3 s after checking 10k entities (`yarn bench:findings`),
 * for nobody.
 */
function exitWhenWritten(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const written = () => {
    pending--;
    if (pending === 0) process.exit(code);
  };
  // an empty write calls back after every write before it (or with the stream's error)
  process.stdout.write('', written);
  process.stderr.write('', written);
}

if (isParseWorker()) {
  serveParseWorker();
} else {
  main(process.argv).then(exitWhenWritten, error => {
    process.stderr.write(`contracts: ${error?.message ?? error}\n`);
    exitWhenWritten(2);
  });
}
