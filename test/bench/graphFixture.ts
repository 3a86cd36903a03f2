/*
 * A generated conflict graph of any size for the graph benchmark and e2e: `GET /graph`'s shape,
 * mostly layered calls with cross links and cycles, 40 teams, 25 systems, ~15 % of edges with a
 * finding of a random severity. Deterministic (a fixed LCG seed).
 */
export function generatedGraph(n: number) {
  const nodes = Array.from({ length: n }, (_, i) => ({
    ref: `component:default/svc-${i}`,
    kind: 'Component',
    name: `svc-${i}`,
    owner: `group:default/team-${i % 40}`,
    system: `system:default/sys-${i % 25}`,
    hasContract: i % 5 !== 0,
  }));
  const severities = ['error', 'warning', 'tradeoff', 'info'] as const;
  const edges: any[] = [];
  const findings: any[] = [];
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let i = 1; i < n; i++) {
    const targets = [Math.floor(rnd() * i), Math.floor(rnd() * n)];
    for (const t of targets) {
      if (t === i) continue;
      const id = `e${edges.length}`;
      const f: string[] = [];
      if (rnd() < 0.15) {
        const fid = `f${findings.length}`;
        const severity = severities[Math.floor(rnd() * 4)];
        findings.push({
          id: fid,
          rule: 'latency-budget',
          severity,
          status: 'open',
          consumer: nodes[i].ref,
          provider: nodes[t].ref,
          subject: `op${t}`,
          title: 'Latency contract violation',
          expected: 'p95 < 200ms',
          actual: 'p95 = 900ms',
          impact: 'generated',
          resolutions: ['cache'],
          evidence: fid,
          message: 'generated',
        });
        f.push(fid);
      }
      edges.push({
        id,
        from: nodes[i].ref,
        to: nodes[t].ref,
        kind: 'call',
        subject: `op${t}`,
        findings: f,
      });
    }
  }
  return { nodes, edges, findings };
}
