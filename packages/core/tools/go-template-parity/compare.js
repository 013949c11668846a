const fs = require('fs');
const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const go = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const mine = JSON.parse(fs.readFileSync(process.argv[4], 'utf8'));
let same = 0,
  errBoth = 0,
  diff = [];
cases.forEach((c, i) => {
  const g = go[i],
    m = mine[i];
  if (g.err !== undefined && m.err !== undefined) {
    errBoth++;
    return;
  }
  if (g.out !== undefined && g.out === m.out) {
    same++;
    return;
  }
  diff.push({ tpl: c.tpl, go: g, mine: m });
});
console.log(`cases ${cases.length}: same output ${same}, both errors ${errBoth}, different ${diff.length}`);
for (const d of diff) console.log(JSON.stringify(d));
