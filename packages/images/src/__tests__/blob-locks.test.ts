import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockBlobs } from '../blob-locks';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

describe('the layer blob locks of a pull', () => {
  let runRoot: string;
  beforeEach(() => {
    runRoot = mkdtempSync(join(tmpdir(), 'blob-locks-'));
  });
  afterEach(() => rmSync(runRoot, { recursive: true, force: true }));

  it('makes a second pull of a shared blob wait for the first to release it', async () => {
    const first = await lockBlobs(runRoot, [B, A]);
    let secondHeld = false;
    const second = lockBlobs(runRoot, [A]).then((release) => {
      secondHeld = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(secondHeld).toBe(false);
    await first();
    await (
      await second
    )();
    expect(secondHeld).toBe(true);
  });

  it('does not hold pulls of other blobs back, and takes a digest named twice once', async () => {
    const first = await lockBlobs(runRoot, [A, A]);
    const other = await lockBlobs(runRoot, [B]);
    await other();
    await first();
  });
});
