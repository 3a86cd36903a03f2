import { Fragment } from 'react';
import type { ReactNode } from 'react';
import type { DiscoveredMarks } from '@backstage-contracts/plugin-contracts-common';
import { DiscoveredMark } from './DiscoveredMark';

/** One value of a contract item as shown, and the document key its discovered mark has. */
export interface MarkedPart {
  text: ReactNode;
  /** `timeout`, `max_attempts`, `on_timeout` (also takes `on_timeout.generates_new_request_id`). */
  key: string;
}

/** The marks of `marks` that belong to `key` (the key itself or a key inside it). */
function marksOf(marks: DiscoveredMarks | undefined, key: string) {
  return Object.entries(marks ?? {}).filter(
    ([k]) => k === key || k.startsWith(`${key}.`),
  );
}

/** Whether a mark is for one of `keys`. */
function claimed(mark: string, keys: string[]): boolean {
  return keys.some(key => mark === key || mark.startsWith(`${key}.`));
}

/** A value followed by its discovered marks, if any. */
export const Marked = ({
  marks,
  markKey,
  children,
}: {
  marks?: DiscoveredMarks;
  markKey: string;
  children: ReactNode;
}) => (
  <>
    {children}
    {marksOf(marks, markKey).map(([k, at]) => (
      <DiscoveredMark key={k} at={at} what={k} />
    ))}
  </>
);

/**
 * Values joined by `separator`, each followed by a "discovered" mark when `contracts discover`
 * found it. Marks on keys the item does not show here (`otherKeys` are shown elsewhere on the
 * line) come last, with their key.
 */
export const MarkedParts = ({
  parts,
  marks,
  separator = ', ',
  otherKeys = [],
}: {
  parts: MarkedPart[];
  marks?: DiscoveredMarks;
  separator?: string;
  otherKeys?: string[];
}) => {
  const keys = [...parts.map(p => p.key), ...otherKeys];
  const rest = Object.entries(marks ?? {}).filter(([k]) => !claimed(k, keys));
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={`${p.key}-${i}`}>
          {i > 0 && separator}
          <Marked marks={marks} markKey={p.key}>
            {p.text}
          </Marked>
        </Fragment>
      ))}
      {rest.map(([k, at]) => (
        <DiscoveredMark key={k} at={at} what={k} showKey />
      ))}
    </>
  );
};
