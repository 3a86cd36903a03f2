import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import type { Finding } from '@backstage-contracts/plugin-contracts-common';
import { EntityRef } from './EntityRef';
// a function of the waterfall module, called at render time (it imports from shared too)
import { FindingWaterfall } from '../LatencyWaterfall';

/** A side's value, or what stands for it when the caller may not see that side. */
const Value = ({ text, hidden }: { text: unknown; hidden: boolean }) =>
  hidden || typeof text !== 'string' || !text ? (
    <em>(not shown)</em>
  ) : (
    <strong>{text}</strong>
  );

/**
 * The essay-style explanation of a finding: expected, actual, impact, resolutions, and for the
 * latency, timeout, retry and freshness rules the waterfall of its chain (FindingWaterfall:
 * nothing for other rules or hidden sides). A side the caller may not see (`hidden`) reads "an
 * entity you cannot see", without its values.
 */
export const FindingExplanation = ({ finding }: { finding: Finding }) => {
  const hidden = Array.isArray(finding.hidden) ? finding.hidden : [];
  const resolutions = Array.isArray(finding.resolutions)
    ? finding.resolutions
    : [];
  return (
    <Box width="100%">
      {finding.rule === 'contract-drift' ? (
        // the two values are both the consumer's: its contract, and its own code
        <Typography variant="body2">
          <EntityRef entityRef={finding.consumer} /> declares{' '}
          <Value text={finding.expected} hidden={hidden.includes('consumer')} />
          ; its code uses{' '}
          <Value text={finding.actual} hidden={hidden.includes('consumer')} />{' '}
          (calling <EntityRef entityRef={finding.provider} />
          ).
        </Typography>
      ) : (
        <Typography variant="body2">
          <EntityRef entityRef={finding.consumer} /> expects{' '}
          <Value text={finding.expected} hidden={hidden.includes('consumer')} />
          ; <EntityRef entityRef={finding.provider} /> provides{' '}
          <Value text={finding.actual} hidden={hidden.includes('provider')} />.
        </Typography>
      )}
      {hidden.length > 0 && (
        <Typography variant="caption" color="textSecondary" component="div">
          You may not see the {hidden.join(' and ')} of this finding: its values
          are left out.
        </Typography>
      )}
      <FindingWaterfall finding={finding} />
      {finding.impact && (
        <Typography variant="body2" style={{ marginTop: 8 }}>
          <strong>Impact:</strong> {finding.impact}
        </Typography>
      )}
      {resolutions.length > 0 && (
        <>
          <Typography variant="body2" style={{ marginTop: 8 }}>
            <strong>Resolutions</strong>
          </Typography>
          <ol style={{ marginTop: 0 }}>
            {resolutions.map((r, i) => (
              <li key={i}>
                <Typography variant="body2">{r}</Typography>
              </li>
            ))}
          </ol>
        </>
      )}
      {finding.message && (
        <Box
          component="pre"
          fontSize="0.8rem"
          padding={1}
          bgcolor="action.hover"
          style={{ whiteSpace: 'pre-wrap', overflowX: 'auto' }}
        >
          {finding.message}
        </Box>
      )}
    </Box>
  );
};
