import { useCallback, useEffect, useState } from 'react';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import {
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { ResponseError } from '@backstage/errors';
import Typography from '@material-ui/core/Typography';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemIcon from '@material-ui/core/ListItemIcon';
import ListItemText from '@material-ui/core/ListItemText';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import CancelIcon from '@material-ui/icons/Cancel';

/** One result of `POST /api/tech-insights/checks/run/:namespace/:kind/:name` (fields shown). */
interface CheckResult {
  check: { id: string; name: string; description: string };
  result: boolean;
}

/**
 * The contracts checks of tech-insights for the current entity, passed or failed. The community
 * tech-insights frontend is not on the npm registry; this card calls tech-insights' own API.
 */
export function ContractsScorecardCard() {
  const { entity } = useEntity();
  const discoveryApi = useApi(discoveryApiRef);
  const fetchApi = useApi(fetchApiRef);
  const [state, setState] = useState<{
    results?: CheckResult[];
    error?: Error;
  }>({});

  const { kind } = entity;
  const namespace = entity.metadata.namespace ?? 'default';
  const { name } = entity.metadata;
  const load = useCallback(async () => {
    const baseUrl = await discoveryApi.getBaseUrl('tech-insights');
    const path = [namespace, kind, name].map(encodeURIComponent).join('/');
    const response = await fetchApi.fetch(`${baseUrl}/checks/run/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({}),
    });
    if (!response.ok) throw await ResponseError.fromResponse(response);
    const results = (await response.json()) as CheckResult[];
    // only the contracts checks (the app may configure others)
    return results.filter(r => r.check.id.startsWith('contracts'));
  }, [discoveryApi, fetchApi, namespace, kind, name]);

  useEffect(() => {
    let live = true;
    load().then(
      results => live && setState({ results }),
      error => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, [load]);

  let body: JSX.Element;
  if (state.error) {
    body = <ResponseErrorPanel error={state.error} />;
  } else if (!state.results) {
    body = <Progress />;
  } else if (!state.results.length) {
    body = (
      <Typography variant="body2">
        No scorecard yet: tech-insights has not read this entity's contract
        facts.
      </Typography>
    );
  } else {
    body = (
      <List dense>
        {state.results.map(({ check, result }) => (
          <ListItem
            key={check.id}
            data-testid={`scorecard-check-${check.id}`}
            data-result={result ? 'passed' : 'failed'}
          >
            <ListItemIcon>
              {result ? (
                <CheckCircleIcon style={{ color: '#2e7d32' }} />
              ) : (
                <CancelIcon color="error" />
              )}
            </ListItemIcon>
            <ListItemText
              primary={`${check.name}: ${result ? 'passed' : 'failed'}`}
              secondary={check.description}
            />
          </ListItem>
        ))}
      </List>
    );
  }
  return <InfoCard title="Contracts scorecard">{body}</InfoCard>;
}
