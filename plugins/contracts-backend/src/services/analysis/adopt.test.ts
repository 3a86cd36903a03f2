import { defaultRules } from '@backstage-contracts/plugin-contracts-common';
import { generatedEntities } from '../../__testUtils__/generatedCatalog';
import { decodeBody, encodeBody } from '../../database/snapshotEncoding';
import { AnalysisCore, callCore } from './AnalysisCore';
import { type AnalysisHost, wireText } from './AnalysisHost';
import { adoptStored } from './adopt';
import { ArrivingBytes, IncomingSnapshot } from './arriving';
import { decodeSnapshot, ENTITY_PARSE_VERSION } from './persisted';
import { PERSISTED_SNAPSHOT_FORMAT, type PulledPart } from './protocol';
import { createHash } from 'node:crypto';

/** The host of one core on this thread, calling it as the hosts do (callCore). */
function hostOf(core: AnalysisCore): AnalysisHost {
  return {
    inWorker: false,
    call: (async (method: never, ...args: unknown[]) => {
      await new Promise(resolve => setImmediate(resolve));
      return wireText(await callCore(core, method, args));
    }) as AnalysisHost['call'],
    onStopped() {},
    close: async () => {},
  };
}

const newCore = () =>
  new AnalysisCore({ engineConfig: {}, rules: defaultRules });

/** A core that computed a generated catalog, and its snapshot as persisted (uncompressed). */
async function computed() {
  const core = newCore();
  core.beginFull();
  core.loadPage(generatedEntities(60));
  const header = core.commitFull('2026-12-07T10:00:00.000Z')!;
  const exported = await core.exportSnapshot('identity');
  return { core, header, raw: Buffer.from(exported!.bytes) };
}

/** `bytes` in pieces of `size`, each after a turn of the event loop. */
async function* inPieces(bytes: Uint8Array, size: number) {
  for (let at = 0; at < bytes.length; at += size) {
    await new Promise(resolve => setImmediate(resolve));
    yield bytes.slice(at, at + size);
  }
}

async function pullAll(host: AnalysisHost, id: number, parts: number) {
  const pulled: PulledPart[] = [];
  for (let i = 0; i < parts; i++) pulled.push(await host.call('pull', id, i));
  return pulled;
}

describe('adopting a persisted snapshot as its stored pieces come', () => {
  it.each(['zstd', 'gzip', 'identity'] as const)(
    'reads the same snapshot from %s pieces as from the whole, and other calls wait for it',
    async encoding => {
      const { core, header, raw } = await computed();
      const stored = await encodeBody(raw, encoding);

      const whole = newCore();
      const wholeHost = hostOf(whole);
      const a = await adoptStored(wholeHost, new Uint8Array(stored), encoding);
      const fromWhole = await pullAll(wholeHost, a.id, a.parts);

      const streamed = newCore();
      const host = hostOf(streamed);
      const b = await adoptStored(host, inPieces(stored, 777), encoding);
      // asked before the pieces are all in: answered once they are
      const checking = host.call('check', 'component:default/svc-1', []);
      const fromPieces = await pullAll(host, b.id, b.parts);
      expect(b.parts).toBe(a.parts);
      expect(b.entities).toBe(60);
      const sent = (p: PulledPart) => [
        p.json,
        p.entities,
        p.entityJson,
        p.counts,
      ];
      expect(fromPieces.map(sent)).toEqual(fromWhole.map(sent));
      expect(typeof fromPieces[0].entityJson).toBe('string');
      // as the worker sent them when it computed the snapshot
      const computing = hostOf(core);
      expect(
        (await pullAll(computing, header.id, header.parts)).map(sent),
      ).toEqual(fromWhole.map(sent));
      expect((await checking).contract.entityRef).toBe(
        'component:default/svc-1',
      );
      // its state is the adopted snapshot: exported again, the same bytes
      const again = await host.call('exportSnapshot', 'identity');
      expect(Buffer.from(again!.bytes).equals(raw)).toBe(true);
    },
  );

  it('fails the pulls waiting for pieces that cannot be read, and starts over empty', async () => {
    const { raw } = await computed();
    const stored = await encodeBody(raw, 'zstd');
    const core = newCore();
    const host = hostOf(core);
    async function* broken() {
      yield stored.subarray(0, stored.length >> 1);
      throw new Error('snapshot 7 was deleted meanwhile');
    }
    const header = await adoptStored(host, broken(), 'zstd');
    await expect(pullAll(host, header.id, header.parts)).rejects.toThrow(
      'snapshot 7 was deleted meanwhile',
    );
    // the other calls go on, against an empty state (the next refresh is a full one)
    expect(await host.call('exportSnapshot', 'identity')).toBeUndefined();
  });

  it('refuses a snapshot of another format by its head, and reads no further', async () => {
    const core = newCore();
    const host = hostOf(core);
    let read = 0;
    async function* pieces() {
      for (const text of ['{"format":2,"parts":[]}\n', 'a', 'b', 'c', 'd']) {
        read++;
        yield Buffer.from(text);
        await new Promise(resolve => setTimeout(resolve, 10));
      }
    }
    await expect(adoptStored(host, pieces(), 'identity')).rejects.toThrow(
      'cannot read a snapshot of format 2',
    );
    await new Promise(resolve => setTimeout(resolve, 60));
    expect(read).toBeLessThan(5);
    expect(await host.call('exportSnapshot', 'identity')).toBeUndefined();
  });

  it('serves nothing of a snapshot whose checksum is wrong, or that is longer than its head says', async () => {
    const { raw } = await computed();
    const stored = await encodeBody(raw, 'zstd');
    // the frame's checksum (its last 4 bytes), wrong: found at the stream's end
    const damaged = Buffer.from(stored);
    damaged[damaged.length - 1] ^= 0xff;
    const longer = Buffer.concat([raw, Buffer.from('[]')]);
    for (const [bytes, encoding] of [
      [damaged, 'zstd'],
      [longer, 'identity'],
    ] as const) {
      for (const source of [new Uint8Array(bytes), inPieces(bytes, 1000)]) {
        const host = hostOf(newCore());
        // (refused before its head when no piece came out before the end)
        const received = adoptStored(host, source, encoding).then(header =>
          pullAll(host, header.id, header.parts),
        );
        await expect(received).rejects.toThrow(
          encoding === 'zstd' ? /checksum/ : /wrong length/,
        );
        expect(await host.call('exportSnapshot', 'identity')).toBeUndefined();
      }
    }
  });

  it('refuses a stream that ends before its head says', async () => {
    const { raw } = await computed();
    const core = newCore();
    const host = hostOf(core);
    const header = await adoptStored(
      host,
      inPieces(raw.subarray(0, raw.length - 10), 4096),
      'identity',
    );
    await expect(pullAll(host, header.id, header.parts)).rejects.toThrow(
      /wrong length \(\d+ bytes, its head says \d+\)/,
    );
  });
});

describe('exporting the snapshot', () => {
  it('exports the state as it was when the export began, whatever the state does meanwhile', async () => {
    const { core, raw } = await computed();
    const exporting = core.exportSnapshot('zstd');
    // while it compresses (its pieces made again as they are written): an entity goes
    const header = core.applyChanges(
      ['component:default/svc-1'],
      '2026-12-07T10:05:00.000Z',
    );
    expect(header?.removed).toEqual(['component:default/svc-1']);
    const exported = (await exporting)!;
    expect(
      (await decodeBody(Buffer.from(exported.bytes), 'zstd')).equals(raw),
    ).toBe(true);
    expect(exported.sizeBytes).toBe(raw.length);
    // and the next export is of the new state
    const next = (await core.exportSnapshot('identity'))!;
    expect(
      decodeSnapshot(next.bytes, PERSISTED_SNAPSHOT_FORMAT).head.entities,
    ).toBe(59);
  });
});

describe('the parse version', () => {
  it('stays the same only while what this version makes of an entity does', async () => {
    const { raw } = await computed();
    const doc = decodeSnapshot(raw, PERSISTED_SNAPSHOT_FORMAT);
    const hash = createHash('sha1');
    for (const part of doc.parts) {
      hash.update(JSON.stringify(part.entities)).update(part.entityJson);
    }
    // When the digest moves, what a replica makes of the same entity changed: bump
    // ENTITY_PARSE_VERSION (persisted.ts) and put both new values here.
    expect([ENTITY_PARSE_VERSION, hash.digest('base64')]).toEqual([
      '1',
      'l22tvR2XVBA9aPovqECSeoOWuk0=',
    ]);
  });

  it('tells whether an adopted snapshot was parsed as this version parses', async () => {
    const { raw } = await computed();
    const text = raw.toString('utf8');
    expect(text.split('\n', 1)[0]).toContain(
      `"parse":"${ENTITY_PARSE_VERSION}"`,
    );
    const adopt = async (bytes: string) =>
      (await adoptStored(hostOf(newCore()), Buffer.from(bytes), 'identity'))
        .sameParse;
    expect(await adopt(text)).toBe(true);
    expect(
      await adopt(
        text.replace(`"parse":"${ENTITY_PARSE_VERSION}"`, '"parse":"0"'),
      ),
    ).toBe(false);
    // written before snapshots said
    expect(
      await adopt(text.replace(`,"parse":"${ENTITY_PARSE_VERSION}"`, '')),
    ).toBe(false);
  });
});

describe('ArrivingBytes', () => {
  it('reads a range within a chunk as a view and across chunks as a copy', () => {
    const bytes = new ArrivingBytes();
    bytes.push(Buffer.from('abc'));
    bytes.push(Buffer.from('de'));
    bytes.push(Buffer.from('fgh\nij'));
    expect(Buffer.from(bytes.range(0, 2)).toString()).toBe('ab');
    expect(Buffer.from(bytes.range(1, 9)).toString()).toBe('bcdefgh\n');
    expect(bytes.indexOf(0x0a, 2)).toBe(8);
    expect(bytes.until(11)).toBeUndefined();
    const later = bytes.until(12);
    bytes.push(Buffer.from('k'));
    return expect(later).resolves.toBeUndefined();
  });

  it('decompresses what is written into its bytes, the first line first', async () => {
    const text = `{"head":1}\n${'x'.repeat(100_000)}`;
    const incoming = new IncomingSnapshot('zstd');
    const stored = await encodeBody(Buffer.from(text), 'zstd');
    for (let at = 0; at < stored.length; at += 50) {
      await incoming.write(stored.subarray(at, at + 50));
    }
    incoming.end();
    expect(Buffer.from(await incoming.firstLine()).toString()).toBe(
      '{"head":1}',
    );
    expect(await incoming.bytes.done).toBeUndefined();
    expect(incoming.bytes.size).toBe(text.length);
  });

  it('fails on bytes that are not what they say', async () => {
    const incoming = new IncomingSnapshot('zstd');
    await incoming.write(Buffer.from('not zstd at all'));
    incoming.end();
    expect(String(await incoming.bytes.done)).toMatch(/a persisted snapshot/);
    await expect(incoming.firstLine()).rejects.toThrow();
  });
});
