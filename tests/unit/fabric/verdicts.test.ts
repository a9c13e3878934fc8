// The control plane's pure verdicts: the status table, Warning by policy, and where test events go in the graph.
import { describe, expect, test } from 'vitest';
import type { TopologyNode, TopologyView } from '../../../support/record/control-plane.js';
import { describeNode, isSettling, judgedView, judgeKind, nodeVerdict, whereTestEventsGo } from '../../../support/fabric/verdicts.js';

const node = (n: Partial<TopologyNode> & Pick<TopologyNode, 'id' | 'kind'>): TopologyNode => ({ name: n.id, type: 'X', inputs: [], ...n });

describe('status table', () => {
  const warn = { warning: 'warn' } as const;
  test.each([
    ['Running', 'pass'],
    ['Failed', 'fail'],
    ['Paused', 'fail'],
    ['Pausing', 'fail'],
    ['Warning', 'warn'],
    ['External', 'note'],
    ['Unknown', 'action'],
    ['Deleting', 'action'],
    ['SomethingNew', 'action'],
    ['Creating', 'fail'],
  ] as const)('a destination %s is judged %s', (status, verdict) => {
    expect(nodeVerdict({ kind: 'destination', status }, warn)).toBe(verdict);
  });
  test('Warning fails by policy', () => {
    expect(nodeVerdict({ kind: 'source', status: 'Warning' }, { warning: 'fail' })).toBe('fail');
  });
  test('a source without a status needs a person; streams and operators have no verdict', () => {
    expect(nodeVerdict({ kind: 'source', status: undefined }, warn)).toBe('action');
    expect(nodeVerdict({ kind: 'stream', status: undefined }, warn)).toBeUndefined();
  });
  test('Creating, Updating and Resuming are settling; Running is not', () => {
    expect(isSettling({ nodes: [node({ id: 'd', kind: 'destination', status: 'Creating' })] })).toBe(true);
    expect(isSettling({ nodes: [node({ id: 'd', kind: 'destination', status: 'Running' })] })).toBe(false);
  });
  test("a failed node's line quotes Fabric's errorCode, errorMessage and errorDetails", () => {
    const line = describeNode(
      node({
        id: 'eh',
        name: 'to-eventhouse',
        kind: 'destination',
        type: 'Eventhouse',
        status: 'Failed',
        error: { errorCode: 'MappingNotFound', errorMessage: 'table mapping deleted', errorDetails: ['Kusto: no mapping m1'] },
      }),
      ['filter-tests'],
    );
    expect(line).toBe(
      'to-eventhouse (Eventhouse, fed by filter-tests): Failed (events do not flow) - MappingNotFound: table mapping deleted; detail Kusto: no mapping m1',
    );
  });
  test('judgeKind lists failed and unknown nodes first-class, warnings and notes apart', () => {
    const view = judgedView(
      {
        nodes: [
          node({ id: 'a', kind: 'destination', status: 'Running' }),
          node({ id: 'b', kind: 'destination', status: 'Failed' }),
          node({ id: 'c', kind: 'destination', status: 'Warning' }),
          node({ id: 'd', kind: 'destination', status: 'External' }),
          node({ id: 'e', kind: 'destination', status: 'Mystery' }),
        ],
      },
      { warning: 'warn' },
    );
    const j = judgeKind(view, 'destination');
    expect(j.failed.map((n) => n.id)).toEqual(['b', 'e']);
    expect(j.warned.map((n) => n.id)).toEqual(['c']);
    expect(j.notes.map((n) => n.id)).toEqual(['d']);
  });
});

describe('where test events go', () => {
  // source -> stream -> filter -> eventhouse ; stream -> lakehouse (no filter) ; stream -> custom endpoint destination
  const view: TopologyView = {
    nodes: [
      node({ id: 'src', kind: 'source', type: 'CustomEndpoint' }),
      node({ id: 'other', kind: 'source', type: 'SampleData' }),
      node({ id: 'stream', kind: 'stream', inputs: ['src', 'other'] }),
      node({ id: 'filter', name: 'drop-tests', kind: 'operator', type: 'Filter', inputs: ['stream'], dropsTestEvents: true }),
      node({ id: 'keep', kind: 'operator', type: 'Filter', inputs: ['stream'], dropsTestEvents: false }),
      node({ id: 'eh', kind: 'destination', type: 'Eventhouse', inputs: ['filter'] }),
      node({ id: 'lh', kind: 'destination', type: 'Lakehouse', inputs: ['keep'] }),
      node({ id: 'both', kind: 'destination', type: 'Lakehouse', inputs: ['filter', 'stream'] }),
      node({ id: 'ce', kind: 'destination', type: 'CustomEndpoint', inputs: ['stream'] }),
      node({ id: 'lonely', kind: 'destination', type: 'Lakehouse', inputs: ['other'] }),
    ],
  };
  const byId = Object.fromEntries(whereTestEventsGo(view, 'src').map((e) => [e.destination.id, e]));
  test('a destination behind a Filter that drops readinessTest events is protected, naming the filter', () => {
    expect(byId.eh).toMatchObject({ reached: true, unprotected: false, filters: ['drop-tests'] });
  });
  test('a Filter on something else protects nothing', () => {
    expect(byId.lh).toMatchObject({ reached: true, unprotected: true });
  });
  test('one unfiltered path is enough to expose a destination', () => {
    expect(byId.both?.unprotected).toBe(true);
  });
  test("a destination the run's source does not reach receives no test events", () => {
    expect(byId.lonely).toMatchObject({ reached: false, unprotected: false });
  });
  test('a cycle in a malformed graph does not hang the walk', () => {
    const loop: TopologyView = {
      nodes: [node({ id: 's', kind: 'source' }), node({ id: 'a', kind: 'stream', inputs: ['s', 'b'] }), node({ id: 'b', kind: 'stream', inputs: ['a'] })],
    };
    expect(whereTestEventsGo(loop, 's')).toEqual([]);
  });
});
