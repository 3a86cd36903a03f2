/*
 * Preloaded into the backend by `yarn bench --profile FILE` (scripts/bench-load.ts): SIGUSR2
 * starts a CPU profile of the process, the next SIGUSR2 stops it and writes it to
 * BENCH_PROFILE_FILE (through a temporary file, so the file appears whole).
 */
const { Session } = require('node:inspector/promises');
const { renameSync, writeFileSync } = require('node:fs');

const file = process.env.BENCH_PROFILE_FILE;
if (file) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session
        .post('Profiler.enable')
        .then(() => session.post('Profiler.start'));
      return;
    }
    running = false;
    session.post('Profiler.stop').then(({ profile }) => {
      writeFileSync(`${file}.tmp`, JSON.stringify(profile));
      renameSync(`${file}.tmp`, file);
    });
  });
}
