/*
 * Whether a bundle built by `yarn bundle` is fresh: it exists, and every file it was built from
 * (listed with its size and modification time in `<bundle>.inputs.json`) is unchanged since.
 * Plain JavaScript: bin/contracts asks before it loads anything else.
 */
const path = require('node:path');
const fs = require('node:fs');

function isFreshBundle(bundle) {
  try {
    const dir = path.dirname(bundle);
    const { inputs } = JSON.parse(
      fs.readFileSync(`${bundle}.inputs.json`, 'utf8'),
    );
    if (!Array.isArray(inputs) || !inputs.length || !fs.existsSync(bundle))
      return false;
    for (const [file, size, mtimeMs] of inputs) {
      const stat = fs.statSync(path.resolve(dir, file), {
        throwIfNoEntry: false,
      });
      if (!stat || stat.size !== size || stat.mtimeMs !== mtimeMs) return false;
    }
    return true;
  } catch {
    return false;
  }
}

module.exports = { isFreshBundle };
