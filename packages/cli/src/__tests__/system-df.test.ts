import { dfRows, humanSize, reclaimableText, renderDf, renderDfVerbose } from '../system-df';

describe('system df', () => {
  it("sizes as Go's units.HumanSize", () => {
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(212)).toBe('212B');
    expect(humanSize(16_430_000)).toBe('16.43MB');
    expect(humanSize(1_234_567)).toBe('1.235MB');
    expect(humanSize(4_100)).toBe('4.1kB');
  });

  it('reclaimable with its whole percentage, or none without size', () => {
    expect(reclaimableText({ size: 16_430_000, reclaimable: 11_630_000 })).toBe('11.63MB (70%)');
    expect(reclaimableText({ size: 0, reclaimable: 0 })).toBe('0B');
  });

  it("prints Docker's four rows in order, zeros for what no plugin counted", () => {
    const entries = [
      { type: 'Local Volumes', total: 2, active: 1, size: 36, reclaimable: 0 },
      { type: 'Images', total: 5, active: 2, size: 16_430_000, reclaimable: 11_630_000 },
    ];
    expect(dfRows(entries).map((e) => e.type)).toEqual(['Images', 'Containers', 'Local Volumes', 'Build Cache']);
    expect(renderDf(entries)).toBe(
      [
        'TYPE            TOTAL   ACTIVE   SIZE      RECLAIMABLE',
        'Images          5       2        16.43MB   11.63MB (70%)',
        'Containers      0       0        0B        0B',
        'Local Volumes   2       1        36B       0B (0%)',
        'Build Cache     0       0        0B        0B',
        '',
      ].join('\n'),
    );
    expect(renderDf(entries, '{{.Type}}: {{.Size}}')).toBe('Images: 16.43MB\nContainers: 0B\nLocal Volumes: 36B\nBuild Cache: 0B\n');
  });

  it('-v: a table per type with human sizes', () => {
    const out = renderDfVerbose([
      { type: 'Local Volumes', total: 1, active: 0, size: 5, reclaimable: 5, items: [{ 'VOLUME NAME': 'data', LINKS: 0, SIZE: 5 }] },
    ]);
    expect(out).toContain('Local Volumes space usage:\n\nVOLUME NAME   LINKS   SIZE\ndata          0       5B\n');
    expect(out).toContain('Build cache usage: 0B\n');
  });
});
