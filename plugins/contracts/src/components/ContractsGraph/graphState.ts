import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { Severity } from '@backstage-contracts/plugin-contracts-common';
import { SEVERITY_ORDER } from '../shared';

/**
 * What the conflict graph shows: the filters, the focus (neighbourhood or path) and the
 * selection. It lives in the URL's search parameters, so a link shows the same view.
 */
export interface GraphViewState {
  /** Server-side slice: a system entity ref. */
  system?: string;
  /** Server-side slice: an owner (group) entity ref. */
  owner?: string;
  /** Severities whose findings count (all when the parameter is absent). */
  severities: Severity[];
  /** Rules whose findings count (all when empty). */
  rules: string[];
  /** Only edges with a counted finding, and their ends. */
  conflictsOnly: boolean;
  /** Neighbourhood: the entity at the centre. */
  around?: string;
  /** Neighbourhood: how many hops (either direction) from the centre; default 1. */
  depth: number;
  /** Path: from this entity … */
  from?: string;
  /** … to this one (shortest path, directed when there is one). */
  to?: string;
  /** Text to find among entity names (highlights, does not filter). */
  find?: string;
  /** The selected node (`node:<ref>`) or edge (`edge:<id>`). */
  selected?: { type: 'node'; ref: string } | { type: 'edge'; id: string };
}

/** Depth of a neighbourhood when the URL says none (or nonsense). */
export const DEFAULT_DEPTH = 1;
/** The deepest neighbourhood the view computes. */
export const MAX_DEPTH = 6;

function text(params: URLSearchParams, key: string): string | undefined {
  const v = params.get(key)?.trim();
  return v ? v : undefined;
}

function list(params: URLSearchParams, key: string): string[] {
  return (params.get(key) ?? '')
    .split(',')
    .map(s => s.trim())
    .filter(Boolean);
}

/** Reads the view from search parameters; unknown or malformed values fall back to defaults. */
export function parseGraphState(params: URLSearchParams): GraphViewState {
  const sev = params.has('severity')
    ? list(params, 'severity').filter((s): s is Severity =>
        (SEVERITY_ORDER as string[]).includes(s),
      )
    : [...SEVERITY_ORDER];
  const depthRaw = Number(params.get('depth'));
  const depth =
    Number.isInteger(depthRaw) && depthRaw >= 1
      ? Math.min(depthRaw, MAX_DEPTH)
      : DEFAULT_DEPTH;
  const sel = text(params, 'selected');
  let selected: GraphViewState['selected'];
  if (sel?.startsWith('node:')) selected = { type: 'node', ref: sel.slice(5) };
  else if (sel?.startsWith('edge:'))
    selected = { type: 'edge', id: sel.slice(5) };
  return {
    system: text(params, 'system'),
    owner: text(params, 'owner'),
    severities: sev,
    rules: list(params, 'rule'),
    conflictsOnly: params.get('conflicts') === 'only',
    around: text(params, 'around'),
    depth,
    from: text(params, 'from'),
    to: text(params, 'to'),
    find: text(params, 'find'),
    selected,
  };
}

const OWN_KEYS = [
  'system',
  'owner',
  'severity',
  'rule',
  'conflicts',
  'around',
  'depth',
  'from',
  'to',
  'find',
  'selected',
];

/**
 * Writes the view into search parameters (other parameters are kept); defaults are left out so
 * that the plain page has a plain URL.
 */
export function writeGraphState(
  state: GraphViewState,
  base: URLSearchParams = new URLSearchParams(),
): URLSearchParams {
  const out = new URLSearchParams(base);
  OWN_KEYS.forEach(k => out.delete(k));
  const set = (k: string, v: string | undefined) => {
    if (v) out.set(k, v);
  };
  set('system', state.system);
  set('owner', state.owner);
  if (
    state.severities.length !== SEVERITY_ORDER.length ||
    !SEVERITY_ORDER.every(s => state.severities.includes(s))
  ) {
    out.set(
      'severity',
      SEVERITY_ORDER.filter(s => state.severities.includes(s)).join(','),
    );
  }
  set('rule', state.rules.join(','));
  if (state.conflictsOnly) out.set('conflicts', 'only');
  set('around', state.around);
  if (state.around && state.depth !== DEFAULT_DEPTH)
    out.set('depth', String(state.depth));
  set('from', state.from);
  set('to', state.to);
  set('find', state.find);
  if (state.selected) {
    out.set(
      'selected',
      state.selected.type === 'node'
        ? `node:${state.selected.ref}`
        : `edge:${state.selected.id}`,
    );
  }
  return out;
}

/** The view state in the URL, and a function to change it (replaces the history entry). */
export function useGraphViewState(): [
  GraphViewState,
  (change: Partial<GraphViewState>) => void,
] {
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => parseGraphState(params), [params]);
  const update = useCallback(
    (change: Partial<GraphViewState>) =>
      setParams(
        prev => writeGraphState({ ...parseGraphState(prev), ...change }, prev),
        { replace: true },
      ),
    [setParams],
  );
  return [state, update];
}
