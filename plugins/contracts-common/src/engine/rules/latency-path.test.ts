import { contract, dep, findingsOf, op } from '../testUtils';

const rule = 'latency-path';

describe('latency-path', () => {
  it('fires an error when one serial dependency alone is slower than the promise', () => {
    const [f] = findingsOf(rule, [
      contract('risk', {
        operations: [op('score', { 95: 150 })],
        dependsOn: [dep('features', 'get'), dep('history', 'list')],
      }),
      contract('features', { operations: [op('get', { 95: 400 })] }),
      contract('history', { operations: [op('list', { 95: 20 })] }),
    ]);
    expect(f).toMatchObject({
      severity: 'error',
      consumer: 'component:default/risk',
      provider: 'component:default/features',
      subject: 'score',
      chain: ['component:default/risk', 'component:default/features'],
    });
  });

  it('warns when the sum of serial dependencies exceeds the promise', () => {
    const [f] = findingsOf(rule, [
      contract('risk', {
        operations: [op('score', { 95: 150 })],
        dependsOn: [dep('features', 'get'), dep('history', 'list')],
      }),
      contract('features', { operations: [op('get', { 95: 100 })] }),
      contract('history', { operations: [op('list', { 95: 80 })] }),
    ]);
    expect(f).toMatchObject({
      severity: 'warning',
      title: 'Latency path at risk',
    });
  });

  it('names the critical hop down a chain of undeclared entities', () => {
    const [f] = findingsOf(rule, [
      contract('risk', {
        operations: [op('score', { 95: 150 })],
        dependsOn: [dep('a', 'x')],
      }),
      contract('a', { dependsOn: [dep('b', 'y')] }),
      contract('b', { operations: [op('y', { 95: 900 })] }),
    ]);
    expect(f.provider).toBe('component:default/b');
    expect(f.chain).toEqual([
      'component:default/risk',
      'component:default/a',
      'component:default/b',
    ]);
  });

  it('terminates on cycles', () => {
    const found = findingsOf(rule, [
      contract('risk', {
        operations: [op('score', { 95: 150 })],
        dependsOn: [dep('a', 'x')],
      }),
      contract('a', { dependsOn: [dep('b', 'y')] }),
      contract('b', { dependsOn: [dep('a', 'x'), dep('risk', 'score')] }),
    ]);
    // risk's own declared 150ms bounds b's call back to it: not slower than the promise.
    expect(found).toEqual([]);
  });

  it('is silent on consistent contracts', () => {
    expect(
      findingsOf(rule, [
        contract('risk', {
          operations: [op('score', { 95: 150 })],
          dependsOn: [dep('features', 'get'), dep('history', 'list')],
        }),
        contract('features', { operations: [op('get', { 95: 60 })] }),
        contract('history', { operations: [op('list', { 95: 40 })] }),
      ]),
    ).toEqual([]);
  });
});
