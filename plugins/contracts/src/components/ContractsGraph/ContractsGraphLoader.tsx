import { useEffect } from 'react';
import useAsync from 'react-use/esm/useAsync';
import Typography from '@material-ui/core/Typography';
import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { contractsApiRef, GraphQuery } from '../../api';
import { ContractsGraphView } from './ContractsGraphView';

function mark(name: string) {
  try {
    performance.mark(name);
  } catch {
    // marks are best effort
  }
}

/** Loads a slice of the conflict graph and shows it. Marks `contracts-graph-*` for timing. */
export const ContractsGraphLoader = ({
  query,
  height,
  highlight,
}: {
  query: GraphQuery;
  height?: number | string;
  highlight?: string[];
}) => {
  const api = useApi(contractsApiRef);
  const { value, loading, error } = useAsync(async () => {
    mark('contracts-graph-request');
    const graph = await api.getGraph(query);
    mark('contracts-graph-data');
    return graph;
  }, [api, query.around, query.depth, query.owner, query.system]);

  useEffect(() => {
    if (value) {
      requestAnimationFrame(() => mark('contracts-graph-rendered'));
    }
  }, [value]);

  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value || value.nodes.length === 0) {
    return (
      <Typography variant="body2">
        No entities with contracts in this slice of the graph.
      </Typography>
    );
  }
  return <ContractsGraphView graph={value} height={height} highlight={highlight} />;
};
