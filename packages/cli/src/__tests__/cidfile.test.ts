import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCidFile, writeCidFile } from '../cidfile';

describe('--cidfile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cidfile-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("resolves a relative name against the working directory and refuses an existing file with Docker's words", () => {
    expect(checkCidFile('cid', dir)).toBe(join(dir, 'cid'));
    writeFileSync(join(dir, 'cid'), '');
    expect(() => checkCidFile('cid', dir)).toThrow(`Container ID file found, make sure the other container isn't running or delete ${join(dir, 'cid')}.`);
    expect(() => checkCidFile('', dir)).toThrow('The --cidfile flag needs a file name.');
  });

  it('writes the id whole and leaves no temporary file', () => {
    writeCidFile(join(dir, 'cid'), 'abc123');
    expect(readFileSync(join(dir, 'cid'), 'utf8')).toBe('abc123');
    expect(readdirSync(dir)).toEqual(['cid']);
  });

  it('never overwrites a file that appeared after the check', () => {
    const path = checkCidFile('cid', dir);
    writeFileSync(path, 'other');
    expect(() => writeCidFile(path, 'mine')).toThrow(/Container ID file found/);
    expect(readFileSync(path, 'utf8')).toBe('other');
    expect(readdirSync(dir)).toEqual(['cid']);
  });

  it('a missing directory is one sentence', () => {
    expect(() => writeCidFile(join(dir, 'no', 'cid'), 'x')).toThrow(
      `Failed to create the container ID file ${join(dir, 'no', 'cid')}: its directory does not exist.`,
    );
  });
});
