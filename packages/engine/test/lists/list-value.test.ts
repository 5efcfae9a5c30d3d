import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ListValue } from '../../src/types/list.js';

type Operation =
  | { kind: 'pushFront' | 'pushBack'; value: string }
  | { kind: 'popFront' | 'popBack' }
  | { kind: 'insertAt'; at: number; value: string }
  | { kind: 'trim'; front: number; back: number };

const value = fc.string({ maxLength: 3 });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('pushFront' as const, 'pushBack' as const), value }),
  fc.record({ kind: fc.constantFrom('popFront' as const, 'popBack' as const) }),
  fc.record({ kind: fc.constant('insertAt' as const), at: fc.nat(), value }),
  fc.record({ kind: fc.constant('trim' as const), front: fc.nat(3), back: fc.nat(3) }),
);

function applyToArray(model: string[], op: Operation): void {
  if (op.kind === 'pushFront') model.unshift(op.value);
  else if (op.kind === 'pushBack') model.push(op.value);
  else if (op.kind === 'popFront') model.shift();
  else if (op.kind === 'popBack') model.pop();
  else if (op.kind === 'insertAt') model.splice(op.at % (model.length + 1), 0, op.value);
  else if (op.kind === 'trim') {
    model.splice(0, Math.min(op.front, model.length));
    model.splice(Math.max(model.length - op.back, 0));
  }
}

function applyToList(list: ListValue, op: Operation): void {
  if (op.kind === 'pushFront') list.pushFront(op.value);
  else if (op.kind === 'pushBack') list.pushBack(op.value);
  else if (op.kind === 'popFront') list.popFront();
  else if (op.kind === 'popBack') list.popBack();
  else if (op.kind === 'insertAt') list.insertAt(op.at % (list.length + 1), op.value);
  else if (op.kind === 'trim') {
    const front = Math.min(op.front, list.length);
    list.trim(front, Math.min(op.back, list.length - front));
  }
}

describe('ListValue (the deque under every list)', () => {
  it('behaves like an array under pushes, pops, middle inserts and trims at both ends', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 200, size: 'max' }), (operations) => {
        const list = new ListValue();
        const model: string[] = [];
        for (const op of operations) {
          applyToList(list, op);
          applyToArray(model, op);
          expect(list.length).toBe(model.length);
        }
        expect(list.toArray()).toEqual(model);
        expect(list.slice(0, list.length)).toEqual(model);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps its content and order when a large buffer is shrunk after a trim', () => {
    const list = ListValue.load(Array.from({ length: 10_000 }, (_, i) => String(i)));
    list.trim(9_990, 0);
    expect(list.toArray()).toEqual(Array.from({ length: 10 }, (_, i) => String(9_990 + i)));
    list.pushFront('x');
    expect(list.at(0)).toBe('x');
  });
});
