import {
  decodeSnapshot,
  encodeSnapshot,
  InOrder,
  openSnapshot,
  type SnapshotDocument,
  writeSnapshot,
} from './persisted';

const doc: SnapshotDocument = {
  head: {
    format: 3,
    computedAt: '2026-12-07T10:00:00.000Z',
    lastSuccessAt: '2026-12-07T10:00:01.000Z',
  },
  parts: [
    {
      entities: [
        ['component:default/a', 'e1', null, 12, 'h1'],
        ['component:default/ü', null, '[{"message":"bad"}]', 30, null],
      ],
      entityJson: '{"summary":1}{"summary":"ü — ✓"}',
      json: '{"f":[{"id":"x"}]}',
      offsets: [1, 0, 0, 6, 16],
    },
    { entities: [], entityJson: '', json: '', offsets: [0, 0, 0] },
    {
      entities: [['api:default/b', 'e2', null, 2, null]],
      entityJson: '{}',
      json: '{"n":[{"ref":"api:default/b"}]}',
      offsets: [0, 1, 0, 6, 31],
    },
  ] as unknown as SnapshotDocument['parts'],
};

describe('the persisted snapshot', () => {
  it('reads back what it wrote, non-ASCII text included, and says how many entities', () => {
    expect(decodeSnapshot(encodeSnapshot(doc), 3)).toEqual({
      ...doc,
      head: { ...doc.head, entities: 3 },
    });
  });

  it('decodes the pieces in order, each once, up to one asked for or all', () => {
    const taken: number[] = [];
    const opened = openSnapshot(encodeSnapshot(doc), 3);
    const inOrder = new InOrder(opened, part =>
      taken.push(opened.document().parts.indexOf(part)),
    );
    inOrder.upTo(1);
    inOrder.upTo(0);
    expect(taken).toEqual([0, 1]);
    inOrder.finish();
    inOrder.upTo(7);
    expect(taken).toEqual([0, 1, 2]);
  });

  it('opens without decoding the pieces, and decodes each when asked, in any order', () => {
    const opened = openSnapshot(encodeSnapshot(doc), 3);
    expect(opened.head).toEqual({ ...doc.head, entities: 3 });
    expect(opened.parts).toBe(3);
    expect(opened.part(2)).toEqual(doc.parts[2]);
    expect(opened.part(0)).toEqual(doc.parts[0]);
    // the same piece again is the same object
    expect(opened.part(0)).toBe(opened.part(0));
    expect(opened.document().parts).toEqual(doc.parts);
    expect(opened.part(1)).toEqual(doc.parts[1]);
    expect(() => opened.part(3)).toThrow('a persisted snapshot has no piece 3');
  });

  it('refuses another format, and bytes not as long as the head says', () => {
    const bytes = encodeSnapshot(doc);
    expect(() => openSnapshot(bytes, 4)).toThrow(
      'cannot read a snapshot of format 3 (this version reads 4)',
    );
    expect(() => openSnapshot(new TextEncoder().encode('gzip?'), 3)).toThrow(
      'cannot read a snapshot of format undefined (this version reads 3)',
    );
    expect(() => openSnapshot(bytes.subarray(0, bytes.length - 1), 3)).toThrow(
      'a persisted snapshot of the wrong length',
    );
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(() => decodeSnapshot(longer, 3)).toThrow(
      'a persisted snapshot of the wrong length',
    );
  });

  it('writes piece by piece the bytes it writes whole, its head first, each piece made twice', async () => {
    const written: Buffer[] = [];
    let sized = 0;
    let made = 0;
    const size = await writeSnapshot(
      {
        head: doc.head,
        pieces: () => {
          made++;
          return doc.parts;
        },
      },
      n => {
        sized = n;
        return { write: bytes => void written.push(Buffer.from(bytes)) };
      },
    );
    const whole = Buffer.from(encodeSnapshot(doc));
    expect(Buffer.concat(written).equals(whole)).toBe(true);
    expect([size, sized]).toEqual([whole.length, whole.length]);
    // the head, then one write per piece
    const opened = openSnapshot(whole, 3);
    const start = whole.indexOf(0x0a) + 1;
    const ends = Array.from({ length: opened.parts }, (_, i) => opened.end(i));
    expect(written.map(b => b.length)).toEqual([
      start,
      ...ends.map((end, i) => end - (i ? ends[i - 1] : start)),
    ]);
    expect(made).toBe(2);
  });

  it('fails when the pieces made the second time are not those of the first', async () => {
    const write = (second: SnapshotDocument['parts']) => {
      let calls = 0;
      return writeSnapshot(
        {
          head: doc.head,
          pieces: () => (calls++ ? second : doc.parts),
        },
        () => ({ write: () => undefined }),
      );
    };
    const changed = doc.parts.map(p => ({ ...p }));
    changed[2] = { ...changed[2], entityJson: '{"x":1}' };
    const message =
      "a persisted snapshot's pieces changed while it was written";
    await expect(write(changed)).rejects.toThrow(message);
    await expect(write(doc.parts.slice(0, 2))).rejects.toThrow(message);
    await expect(write([...doc.parts, doc.parts[1]])).rejects.toThrow(message);
  });
});
