import { compileTemplate, TemplateError } from '../go-template';

const render = (src: string, data: unknown) => compileTemplate(src).execute(data);

const container = {
  Id: 'abc123',
  Name: '/web',
  State: { Status: 'running', Running: true, Pid: 42, ExitCode: 0 },
  Config: { Env: ['PATH=/bin', 'A=1'], Labels: { 'com.example.vendor': 'ACME', version: '1.0' }, Cmd: ['top'] },
  NetworkSettings: { IPAddress: '', Networks: { mynet: { IPAddress: '10.1.0.2', Gateway: '10.1.0.1' } } },
  HostConfig: { Memory: 0, Binds: null },
};

describe('Go templates as Docker evaluates them', () => {
  test('fields, nested fields and plain text', () => {
    expect(render('{{.State.Status}}', container)).toBe('running');
    expect(render('name={{.Name}} pid={{.State.Pid}}', container)).toBe('name=/web pid=42');
    expect(render('{{.State.Running}}', container)).toBe('true');
  });

  test("Docker's documented inspect examples", () => {
    // docker inspect --format='{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'
    expect(render('{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container)).toBe('10.1.0.2');
    // docker inspect --format='{{json .Config}}'
    expect(JSON.parse(render('{{json .Config}}', container))).toEqual(container.Config);
    expect(render('{{range .Config.Env}}{{println .}}{{end}}', container)).toBe('PATH=/bin\nA=1\n');
    expect(render('{{(index .NetworkSettings.Networks "mynet").IPAddress}}', container)).toBe('10.1.0.2');
    expect(render('{{index .Config.Labels "com.example.vendor"}}', container)).toBe('ACME');
    expect(render('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}', container)).toBe('com.example.vendor=ACME;version=1.0;');
  });

  test('json of the whole value has no trailing newline and no HTML escaping', () => {
    expect(render('{{json .}}', { a: '<b>&' })).toBe('{"a":"<b>&"}');
    expect(render('{{json .Missing}}', {})).toBe('null');
  });

  test('if / else if / else, with, and truthiness as Go', () => {
    const t = '{{if .State.Running}}up{{else if eq .State.ExitCode 0}}clean{{else}}failed{{end}}';
    expect(render(t, container)).toBe('up');
    expect(render(t, { State: { Running: false, ExitCode: 0 } })).toBe('clean');
    expect(render(t, { State: { Running: false, ExitCode: 3 } })).toBe('failed');
    expect(render('{{if .HostConfig.Binds}}b{{else}}none{{end}}', container)).toBe('none');
    expect(render('{{if .Config.Env}}env{{end}}', container)).toBe('env');
    expect(render('{{if ""}}x{{end}}{{if 0}}y{{end}}{{if .Nope}}z{{end}}', {})).toBe('');
    expect(render('{{with .State}}{{.Status}}{{end}}', container)).toBe('running');
    expect(render('{{with .Nope}}x{{else}}empty{{end}}', {})).toBe('empty');
    expect(render('{{range .L}}{{.}}{{else}}none{{end}}', { L: [] })).toBe('none');
  });

  test('pipelines pass the value as the last argument', () => {
    expect(render('{{.Name | upper}}', container)).toBe('/WEB');
    expect(render('{{.Name | printf "%s!"}}', container)).toBe('/web!');
    expect(render('{{.Config.Env | len | printf "%d vars"}}', container)).toBe('2 vars');
  });

  test("Docker's string functions", () => {
    expect(render('{{join .L ", "}}', { L: ['a', 'b'] })).toBe('a, b');
    expect(render('{{split .S ":"}}', { S: 'a:b:c' })).toBe('[a b c]');
    expect(render('{{index (split .S ":") 1}}', { S: 'a:b:c' })).toBe('b');
    expect(render('{{lower "ABC"}} {{upper "abc"}} {{title "hello world"}}', {})).toBe('abc ABC Hello World');
    expect(render('{{truncate .Id 3}}', container)).toBe('abc');
    expect(render('[{{pad "x" 2 1}}]', {})).toBe('[  x ]');
    expect(render('{{len .Config.Env}} {{len .Name}} {{len .Config.Labels}}', container)).toBe('2 4 2');
  });

  test('printf verbs, print and println spacing', () => {
    expect(render('{{printf "%s-%d-%v-%q" "a" 3 true "q"}}', {})).toBe('a-3-true-"q"');
    expect(render('{{printf "%-5s|%5s|%.2f|%%" "ab" "cd" 1.5}}', {})).toBe('ab   |   cd|1.50|%');
    expect(render('{{println "a" "b"}}', {})).toBe('a b\n');
    expect(render('{{print "a" "b"}}{{print 1 2}}', {})).toBe('ab1 2');
  });

  test('comparison and logic functions', () => {
    expect(render('{{if and .A .B}}y{{else}}n{{end}}', { A: 1, B: 0 })).toBe('n');
    expect(render('{{if or .A .B}}y{{else}}n{{end}}', { A: 0, B: 'x' })).toBe('y');
    expect(render('{{if not .A}}y{{end}}', { A: false })).toBe('y');
    expect(render('{{if eq .S "b" "c"}}y{{end}}', { S: 'c' })).toBe('y');
    expect(render('{{if ne .S "b"}}y{{end}}{{if lt 1 2}}l{{end}}{{if ge 2 2}}g{{end}}', { S: 'c' })).toBe('yl' + 'g');
  });

  test('whitespace trim markers and comments', () => {
    expect(render('a  {{- .X -}}  b', { X: 1 })).toBe('a1b');
    expect(render('{{range .L -}}\n  {{.}}\n{{- end}}', { L: [1, 2] })).toBe('12');
    expect(render('a{{/* a comment */}}b', {})).toBe('ab');
    expect(render('{{- /* trimmed */ -}}  x', {})).toBe('x');
    // A minus without a space is a negative number, not a trim marker.
    expect(render('{{-3}}', {})).toBe('-3');
  });

  test('variables, $ and assignment', () => {
    expect(render('{{$n := .Name}}{{range .Config.Env}}{{$n}}:{{.}} {{end}}', container)).toBe('/web:PATH=/bin /web:A=1 ');
    expect(render('{{range .Config.Env}}{{$.Name}}{{end}}', container)).toBe('/web/web');
    expect(render('{{$x := 1}}{{$x = 2}}{{$x}}', {})).toBe('2');
    expect(render('{{range $i, $e := .L}}{{$i}}{{$e}}{{end}}', { L: ['a', 'b'] })).toBe('0a1b');
  });

  test('a function at a field is a method: {{.Label "k"}}', () => {
    const row = {
      Labels: { k: 'v' },
      Label(this: { Labels: Record<string, string> }, key: string) {
        return this.Labels[key] ?? '';
      },
    };
    expect(render('{{.Label "k"}}|{{.Label "none"}}', row)).toBe('v|');
  });

  test('Go printing of maps, lists, missing values and nil', () => {
    expect(render('{{.Config.Env}}', container)).toBe('[PATH=/bin A=1]');
    expect(render('{{.Config.Labels}}', container)).toBe('map[com.example.vendor:ACME version:1.0]');
    expect(render('{{.Missing}}', {})).toBe('<no value>');
    expect(render('{{.HostConfig.Binds}}', container)).toBe('<nil>');
    expect(render('{{index .M "x"}}', { M: {} })).toBe('<no value>');
  });

  test('quoted "}}" does not end an action; escapes in strings', () => {
    expect(render('{{"}}"}}', {})).toBe('}}');
    expect(render('{{"a\\tb"}}|{{`raw\\t`}}', {})).toBe('a\tb|raw\\t');
  });

  test('parse errors are TemplateErrors with exit code 1 and Docker wording', () => {
    for (const bad of ['{{.Name', '{{if .A}}x', '{{end}}', '{{nosuch .A}}', '{{else}}', '{{(.A}}', '{{"x}}']) {
      let err: unknown;
      try {
        compileTemplate(bad).execute({ A: 1 });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TemplateError);
      expect((err as TemplateError).exitCode).toBe(1);
      expect((err as Error).message).toMatch(/template/);
    }
    expect(() => compileTemplate('{{.Name')).toThrow(/^template parsing error: /);
  });

  test('execution errors: a field of a non-object or of nil, index out of range, nil as a command', () => {
    expect(() => render('{{.Name.X}}', { Name: 'a' })).toThrow(TemplateError);
    expect(() => render('{{index .L 5}}', { L: [] })).toThrow(/index out of range/);
    expect(() => render('{{.A.B}}', { A: null })).toThrow(/nil pointer/);
    expect(() => render('{{nil}}', {})).toThrow(/nil is not a command/);
  });

  // Outputs checked against Go 1.19's text/template with Docker's function map (tools/go-template-parity).
  test("Go's builtins: a field of a missing key, html, js, urlquery, slice, %c, pad of an empty string", () => {
    expect(render('{{.A.B}}', {})).toBe('<no value>');
    expect(render('{{html "<a href=\'x\'>&"}}', {})).toBe('&lt;a href=&#39;x&#39;&gt;&amp;');
    expect(render('{{js "a\'b<"}}', {})).toBe("a\\'b\\u003C");
    expect(render('{{urlquery "a b&c"}}', {})).toBe('a+b%26c');
    expect(render('{{slice .S 1 3}}|{{slice .L 1}}', { S: 'a:b:c', L: ['x', 'y', 'z'] })).toBe(':b|[y z]');
    expect(render('{{printf "%c" \'a\'}}', {})).toBe('a');
    expect(render('[{{pad "" 2 1}}]', {})).toBe('[]');
  });
});
