import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flameSvg, foldProfile, type CpuProfile } from './flame.js';

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 9 }, children });

/** root → serve (ours) → writev (native), root → serve → handle (ours), root → (idle). */
const PROFILE: CpuProfile = {
  nodes: [
    frame(1, '(root)', '', [2, 5]),
    frame(2, 'serve', 'file:///work/main/dist/src/http/server.js', [3, 4]),
    frame(3, 'writev', ''),
    frame(4, 'handle', 'file:///work/main/dist/src/http/app.js'),
    frame(5, '(idle)', ''),
  ],
  samples: [3, 3, 3, 4, 5, 5, 2],
  timeDeltas: [100, 100, 100, 100, 100, 100, 100],
};

describe('flame graph', () => {
  it('folds samples into a call tree without idle time, each frame with the time in it and below it', () => {
    const { root, leftOut } = foldProfile(PROFILE);
    assert.equal(leftOut, 200);
    assert.equal(root.total, 500);
    const serve = root.children.get('serve src/http/server.js:10')!;
    assert.equal(serve.kind, 'ours');
    assert.equal(serve.total, 500);
    assert.deepEqual([...serve.children.values()].map((c) => [c.name, c.kind, c.total]), [['writev', 'native', 300], ['handle src/http/app.js:10', 'ours', 100]]);
  });

  it('draws each frame as wide as its share: serve the whole width, writev 60 %', () => {
    const svg = flameSvg(foldProfile(PROFILE).root, 'test');
    assert.match(svg, /<title>serve src\/http\/server\.js:10: 100\.0 %<\/title><rect x="0\.0" y="24" width="1199\.5"/);
    assert.match(svg, /<title>writev: 60\.0 %<\/title><rect x="0\.0" y="41" width="719\.5"/);
    assert.match(svg, /<title>handle src\/http\/app\.js:10: 20\.0 %<\/title><rect x="720\.0" y="41" width="239\.5"/);
  });
});
