/*
 * Preloaded into the backend by `yarn bench --profile FILE` (scripts/bench-load.ts): SIGUSR2
 * starts a CPU profile of the process, the next SIGUSR2 stops it and writes it to
 * BENCH_PROFILE_FILE (through a temporary file, so the file appears whole).
 */
const { Session } = require('node:inspector');
const { renameSync, writeFileSync } = require('node:fs');

const file = process.env.BENCH_PROFILE_FILE;
if (file) {
  const session = new Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      post('Profiler.enable').then(() => post('Profiler.start'));
      return;
    }
    running = false;
    post('Profiler.stop').then(({ profile }) => {
      writeFileSync(`${file}.tmp`, JSON.stringify(profile));
      renameSync(`${file}.tmp`, file);
    });
  });
}
