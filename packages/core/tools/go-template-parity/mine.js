const { compileTemplate } = require(require('node:path').join(__dirname, '../../dist/go-template.js'));
const cases = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const out = cases.map(({ tpl, data }) => {
  let t;
  try {
    t = compileTemplate(tpl);
  } catch (e) {
    return { err: 'parse: ' + e.message };
  }
  try {
    return { out: t.execute(data) };
  } catch (e) {
    return { err: 'exec: ' + e.message };
  }
});
process.stdout.write(JSON.stringify(out));
