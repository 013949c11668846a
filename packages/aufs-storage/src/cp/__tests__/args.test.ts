import { absoluteHostPath, parseEndpoint, planCopy } from '../args';

describe('cp arguments', () => {
  it('reads CONTAINER:PATH, and paths starting with / or . as local', () => {
    expect(parseEndpoint('web:/etc/hosts')).toEqual({ container: 'web', path: '/etc/hosts' });
    expect(parseEndpoint('./a:b')).toEqual({ path: './a:b' });
    expect(parseEndpoint('/tmp/a:b')).toEqual({ path: '/tmp/a:b' });
    expect(parseEndpoint('file.txt')).toEqual({ path: 'file.txt' });
  });

  it('plans both directions and refuses the rest', () => {
    expect(planCopy('c1:etc/x', '/tmp/y')).toEqual({ direction: 'out', container: 'c1', src: '/etc/x', dest: '/tmp/y' });
    expect(planCopy('/tmp/y', 'c1:/x')).toEqual({ direction: 'in', container: 'c1', src: '/tmp/y', dest: '/x' });
    expect(() => planCopy('a:/x', 'b:/y')).toThrow('Copying between containers is not supported');
    expect(() => planCopy('/a', '/b')).toThrow('One of SRC and DEST must be CONTAINER:PATH.');
    // "-" is a tar stream on either side, as in Docker.
    expect(planCopy('c:/a', '-')).toEqual({ direction: 'out', container: 'c', src: '/a', dest: '-' });
    expect(planCopy('-', 'c:/dir')).toEqual({ direction: 'in', container: 'c', src: '-', dest: '/dir' });
    expect(() => planCopy('-', '-')).toThrow('One of SRC and DEST must be CONTAINER:PATH.');
  });

  it('keeps the trailing / and /. that change what is copied', () => {
    expect(absoluteHostPath('d/.', '/w')).toBe('/w/d/.');
    expect(absoluteHostPath('d/', '/w')).toBe('/w/d/');
    expect(absoluteHostPath('d', '/w')).toBe('/w/d');
    expect(absoluteHostPath('.', '/w')).toBe('/w/.');
  });
});
