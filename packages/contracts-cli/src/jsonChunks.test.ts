import { writeJson } from './jsonChunks';

function written(value: unknown, indent?: number) {
  const pieces: string[] = [];
  writeJson(value, text => pieces.push(text), indent);
  return { text: pieces.join(''), pieces };
}

const finding = (i: number) => ({
  id: `f${i}`,
  message: `budget 120 ms × 3 → 360 ms\n  line ${i} "quoted" \\ back`,
  skipped: undefined,
  fn: () => i,
  when: new Date(Date.UTC(2026, 0, 1 + (i % 28))),
  nested: { list: [1, 'two', null, undefined, { deep: [[]] }], empty: {} },
  chain: i % 2 ? [] : [`a${i}`, `b${i}`],
});

describe('writeJson', () => {
  const report = {
    version: 1,
    findings: Array.from({ length: 3000 }, (_, i) => finding(i)),
    problems: [],
    nothing: undefined,
    summary: { entities: 10, findings: { error: 1, warning: 0 } },
  };
  const sarifLike = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: { driver: { name: 'contracts', rules: [{ id: 'r' }] } },
        results: Array.from({ length: 600 }, (_, i) => finding(i)),
        empty: [],
      },
    ],
  };
  const sparse: unknown[] = [];
  sparse[400] = 'last';

  it.each([
    ['a report', report],
    ['a SARIF-like log', sarifLike],
    ['a big array at the top', report.findings],
    ['holes in a big array', sparse],
    ['a small object', { a: 1, b: [1, 2], c: undefined }],
    ['empty containers', { a: [], b: {} }],
    ['a string', 'x → y'],
    ['null', null],
    ['undefined', undefined],
  ])(
    'writes the bytes of JSON.stringify for %s, with and without indent',
    (_, value) => {
      for (const indent of [undefined, 0, 2, 4]) {
        expect(written(value, indent).text).toBe(
          `${JSON.stringify(value, null, indent)}\n`,
        );
      }
    },
  );

  it('writes a big report in pieces of about a megabyte', () => {
    const big = {
      findings: Array.from({ length: 20_000 }, (_, i) => finding(i)),
    };
    const { text, pieces } = written(big);
    expect(text).toBe(`${JSON.stringify(big)}\n`);
    expect(pieces.length).toBeGreaterThan(3);
    // a piece is written once it holds a megabyte: it may end with a run of 64 findings more
    const longest = Math.max(
      ...big.findings.map(f => JSON.stringify(f).length),
    );
    for (const piece of pieces.slice(0, -1)) {
      expect(piece.length).toBeGreaterThanOrEqual(1 << 20);
      expect(piece.length).toBeLessThan((1 << 20) + 64 * (longest + 1));
    }
  });
});
