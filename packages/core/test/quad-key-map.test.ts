import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuadKeyMap } from '../src/quad-key-map.ts';

describe('QuadKeyMap', () => {
  it('agrees with a Map through random adds, replacements and deletes, across growth and wrap-around', () => {
    const map = new QuadKeyMap<number>();
    const model = new Map<string, number>();
    let seed = 42;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    // Few distinct words, so keys collide in all but one word and runs of probes wrap around.
    const word = () => [0, 1, -1, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 31 + 5][rand(7)];
    for (let step = 0; step < 60_000; step++) {
      const k: [number, number, number, number] = [word(), word(), rand(40), 1 + rand(3)];
      const id = k.map((w) => w | 0).join('/');
      const op = rand(10);
      if (op < 5) {
        map.set(...k, step);
        model.set(id, step);
      } else if (op < 8) {
        assert.equal(map.delete(...k), model.delete(id));
      } else {
        assert.equal(map.get(...k), model.get(id));
      }
      assert.equal(map.size, model.size);
    }
    for (const [id, v] of model) {
      const [a, b, c, d] = id.split('/').map(Number);
      assert.equal(map.get(a, b, c, d), v);
    }
    map.clear();
    assert.equal(map.size, 0);
    assert.equal(map.get(0, 0, 0, 1), undefined);
  });

  it('takes unsigned and signed forms of a word as the same key', () => {
    const map = new QuadKeyMap<string>();
    map.set(0xc0000201, 0, 0, 1, 'x');
    assert.equal(map.get(0xc0000201 | 0, 0, 0, 1), 'x');
    assert.equal(map.delete(0xc0000201 | 0, 0, 0, 1), true);
    assert.equal(map.get(0xc0000201, 0, 0, 1), undefined);
  });
});
