import { useEffect, useState } from 'react';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Autocomplete, {
  createFilterOptions,
} from '@material-ui/lab/Autocomplete';
import type { Severity } from '@backstage-contracts/plugin-contracts-common';
import type { ContractsGraphNode } from '../../api';
import { SEVERITY_COLOR, SEVERITY_ORDER } from '../shared';
import { GraphViewState, MAX_DEPTH } from './graphState';

const filterOptions = createFilterOptions<ContractsGraphNode>({
  limit: 50,
  stringify: n => `${n.name} ${n.ref}`,
});

/** An entity picker over the graph's nodes (the value is an entity ref). */
const EntityPicker = ({
  id,
  label,
  value,
  nodes,
  onChange,
}: {
  id: string;
  label: string;
  value?: string;
  nodes: ContractsGraphNode[];
  onChange: (ref: string | undefined) => void;
}) => {
  const selected = value ? nodes.find(n => n.ref === value) ?? null : null;
  return (
    <Autocomplete
      id={id}
      size="small"
      style={{ width: 210 }}
      options={nodes}
      value={selected}
      filterOptions={filterOptions}
      getOptionLabel={n => n.name}
      getOptionSelected={(a, b) => a.ref === b.ref}
      renderOption={n => (
        <span title={n.ref}>
          {n.name} <small style={{ opacity: 0.7 }}>{n.kind}</small>
        </span>
      )}
      onChange={(_e, n) => onChange(n?.ref)}
      renderInput={params => (
        <TextField {...params} label={label} variant="outlined" />
      )}
    />
  );
};

/** A text field that writes to the URL when the user stops typing or presses Enter. */
const CommitField = ({
  id,
  label,
  placeholder,
  value,
  onCommit,
}: {
  id: string;
  label: string;
  placeholder?: string;
  value?: string;
  onCommit: (v: string | undefined) => void;
}) => {
  const [text, setText] = useState(value ?? '');
  useEffect(() => setText(value ?? ''), [value]);
  const commit = () => {
    const v = text.trim() || undefined;
    if (v !== value) onCommit(v);
  };
  return (
    <TextField
      size="small"
      variant="outlined"
      style={{ width: 200 }}
      id={id}
      label={label}
      placeholder={placeholder}
      value={text}
      onChange={e => setText(e.target.value)}
      onBlur={commit}
      onKeyDown={e => {
        if (e.key === 'Enter') commit();
      }}
    />
  );
};

/** Props of {@link GraphControls}. */
export interface GraphControlsProps {
  state: GraphViewState;
  update: (change: Partial<GraphViewState>) => void;
  nodes: ContractsGraphNode[];
  rules: string[];
  /** Whether the system/owner slice (a server query) is offered. */
  slicing?: boolean;
}

/**
 * The graph's filters and focus: severity, rule, conflicts only; system and owner (a slice the
 * backend cuts); neighbourhood of an entity to a depth; path between two entities; find.
 */
export const GraphControls = ({
  state,
  update,
  nodes,
  rules,
  slicing = true,
}: GraphControlsProps) => {
  const toggleSeverity = (s: Severity) => {
    const has = state.severities.includes(s);
    update({
      severities: has
        ? state.severities.filter(x => x !== s)
        : [...state.severities, s],
    });
  };
  return (
    <Box display="flex" flexDirection="column" style={{ gap: 8 }} mb={1}>
      <Box display="flex" alignItems="center" flexWrap="wrap" style={{ gap: 8 }}>
        {SEVERITY_ORDER.map(s => (
          <FormControlLabel
            key={s}
            style={{ marginRight: 0 }}
            control={
              <Checkbox
                size="small"
                checked={state.severities.includes(s)}
                onChange={() => toggleSeverity(s)}
                style={{ color: SEVERITY_COLOR[s] }}
              />
            }
            label={s}
          />
        ))}
        <FormControlLabel
          control={
            <Checkbox
              size="small"
              checked={state.conflictsOnly}
              onChange={e => update({ conflictsOnly: e.target.checked })}
            />
          }
          label="conflicts only"
        />
        <TextField
          select
          size="small"
          variant="outlined"
          id="graph-rule"
          label="Rule"
          style={{ minWidth: 130 }}
          SelectProps={{
            multiple: true,
            renderValue: v => (v as string[]).join(', '),
          }}
          value={state.rules}
          onChange={e =>
            update({ rules: e.target.value as unknown as string[] })
          }
        >
          {rules.map(r => (
            <MenuItem key={r} value={r}>
              <Checkbox size="small" checked={state.rules.includes(r)} />
              {r}
            </MenuItem>
          ))}
        </TextField>
        {slicing && (
          <>
            <CommitField
              id="graph-system"
              label="System"
              placeholder="system:default/fraud-detection"
              value={state.system}
              onCommit={system => update({ system })}
            />
            <CommitField
              id="graph-owner"
              label="Owner"
              placeholder="group:default/risk-team"
              value={state.owner}
              onCommit={owner => update({ owner })}
            />
          </>
        )}
        <CommitField
          id="graph-search"
          label="Find entity"
          value={state.find}
          onCommit={find => update({ find })}
        />
      </Box>
      <Box display="flex" alignItems="center" flexWrap="wrap" style={{ gap: 8 }}>
        <EntityPicker
          id="graph-around"
          label="Neighbourhood of"
          value={state.around}
          nodes={nodes}
          onChange={around => update({ around, selected: undefined })}
        />
        <TextField
          select
          size="small"
          variant="outlined"
          id="graph-depth"
          label="Depth"
          style={{ width: 90 }}
          value={state.depth}
          onChange={e => update({ depth: Number(e.target.value) })}
        >
          {Array.from({ length: MAX_DEPTH }, (_, i) => i + 1).map(d => (
            <MenuItem key={d} value={d}>
              {d}
            </MenuItem>
          ))}
        </TextField>
        <EntityPicker
          id="graph-path-from"
          label="Path from"
          value={state.from}
          nodes={nodes}
          onChange={from => update({ from, selected: undefined })}
        />
        <EntityPicker
          id="graph-path-to"
          label="to"
          value={state.to}
          nodes={nodes}
          onChange={to => update({ to, selected: undefined })}
        />
        <Button
          size="small"
          variant="outlined"
          onClick={() =>
            update({
              around: undefined,
              from: undefined,
              to: undefined,
              selected: undefined,
            })
          }
          disabled={!state.around && !state.from && !state.to}
        >
          Whole graph
        </Button>
      </Box>
    </Box>
  );
};
