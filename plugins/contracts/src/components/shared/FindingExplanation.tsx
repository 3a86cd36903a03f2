import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import type { Finding } from '@internal/backstage-plugin-contracts-common';

/** The essay-style explanation of a finding: expected, actual, impact, resolutions. */
export const FindingExplanation = ({ finding }: { finding: Finding }) => (
  <Box width="100%">
    <Typography variant="body2">
      <EntityRefLink entityRef={finding.consumer} /> expects{' '}
      <strong>{finding.expected}</strong>;{' '}
      <EntityRefLink entityRef={finding.provider} /> provides{' '}
      <strong>{finding.actual}</strong>.
    </Typography>
    {finding.impact && (
      <Typography variant="body2" style={{ marginTop: 8 }}>
        <strong>Impact:</strong> {finding.impact}
      </Typography>
    )}
    {finding.resolutions.length > 0 && (
      <>
        <Typography variant="body2" style={{ marginTop: 8 }}>
          <strong>Resolutions</strong>
        </Typography>
        <ol style={{ marginTop: 0 }}>
          {finding.resolutions.map(r => (
            <li key={r}>
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
