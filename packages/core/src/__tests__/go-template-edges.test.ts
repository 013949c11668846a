import { compileTemplate, goString, TemplateError } from '../go-template';

const render = (src: string, data: unknown) => compileTemplate(src).execute(data);

/** Edges of Docker's --format templates that scripts meet: nesting, empty values, errors at run time. */
describe('Go template edge cases', () => {
  it('nested range and if keep their own dot, and $ is always the top', () => {
    const data = {
      Name: 'top',
      L: [
        { N: 'a', Tags: ['x', 'y'] },
        { N: 'b', Tags: [] },
      ],
    };
    expect(render('{{range .L}}{{.N}}:{{range .Tags}}{{.}}{{else}}-{{end}};{{end}}', data)).toBe('a:xy;b:-;');
    expect(render('{{range .L}}{{if .Tags}}{{$.Name}}{{end}}{{end}}', data)).toBe('top');
  });

  it('a range over a map runs in sorted key order, as Go does', () => {
    expect(render('{{range $k, $v := .M}}{{$k}}{{$v}}{{end}}', { M: { b: 2, a: 1, c: 3 } })).toBe('a1b2c3');
  });

  it('a field of a missing value is <no value>, not an error', () => {
    expect(render('{{.A.B.C}}', {})).toBe('<no value>');
  });

  it('an empty template renders nothing; text without actions is kept as is', () => {
    expect(render('', { A: 1 })).toBe('');
    expect(render('plain {text} }}', {})).toBe('plain {text} }}');
  });

  it('goString prints as fmt.Print does', () => {
    expect(goString(undefined)).toBe('<no value>');
    expect(goString(null)).toBe('<nil>');
    expect(goString([1, 'a', true])).toBe('[1 a true]');
    expect(goString({ b: 1, a: [2] })).toBe('map[a:[2] b:1]');
  });

  it('an unclosed action, a missing end and an unknown function are TemplateErrors', () => {
    for (const bad of ['{{.A', '{{if .A}}x', '{{nosuchfunc .A}}', '{{end}}']) {
      expect(() => compileTemplate(bad).execute({ A: 1 })).toThrow(TemplateError);
    }
  });
});
