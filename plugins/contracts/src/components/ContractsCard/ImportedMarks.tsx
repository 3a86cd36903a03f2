import Chip from '@material-ui/core/Chip';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import {
  IMPORT_FORMAT_NAMES,
  type ImportedAt,
  type ImportedMarks as Marks,
} from '@backstage-contracts/plugin-contracts-common';

/** `slo/latency-p95.yaml:15` (the line when known). */
export function formatImportedAt(at: ImportedAt): string {
  return `${at.file}${at.line ? `:${at.line}` : ''}`;
}

/**
 * An "imported" chip per file the item's values were read from: the standard (ODCS, Pyrra
 * SLO, OpenSLO, datacontract.com, OpenAPI) and the file and line, the values it gave in the
 * tooltip. Nothing for an item whose values were all declared.
 */
export const ImportedMarks = ({ marks }: { marks?: Marks }) => {
  const byPlace = new Map<string, { at: ImportedAt; keys: string[] }>();
  for (const [key, at] of Object.entries(marks ?? {})) {
    const place = `${at.format}\n${at.file}`;
    const known = byPlace.get(place);
    if (!known) byPlace.set(place, { at, keys: [key] });
    else {
      known.keys.push(key);
      // the first line of the file that gave a value
      if ((at.line ?? Infinity) < (known.at.line ?? Infinity)) known.at = at;
    }
  }
  return (
    <>
      {[...byPlace.values()].map(({ at, keys }) => {
        const format = IMPORT_FORMAT_NAMES[at.format] ?? at.format;
        return (
          <span
            key={`${at.format}-${at.file}`}
            data-testid="imported-mark"
            style={{ whiteSpace: 'nowrap' }}
          >
            {' '}
            <Tooltip
              title={`${keys.join(', ')}: imported from ${format} (${at.file}${
                at.line ? `, line ${at.line}` : ''
              }${at.path ? `, ${at.path}` : ''}), not declared in our format`}
            >
              <Chip
                size="small"
                color="primary"
                variant="outlined"
                label={`imported · ${format}`}
                style={{ height: 18, fontSize: '0.7rem' }}
              />
            </Tooltip>{' '}
            <Typography variant="caption" component="span">
              {formatImportedAt(at)}
            </Typography>
          </span>
        );
      })}
    </>
  );
};
