import { compileTemplate } from './go-template';
import { formatTable } from './table';

/**
 * `--format` as Docker reads it: `json` is `{{json .}}`, `table TEMPLATE` prints a header row made from
 * the template's field names and aligns columns (tabs in the template separate them), anything else is a
 * Go template printed once per item, each followed by a newline.
 */
export function formatItems(format: string, items: unknown[], headers: Record<string, string> = {}): string {
  if (format === 'json') return items.map((i) => `${JSON.stringify(i)}\n`).join('');
  const table = /^table(\s|$)/.test(format);
  // Docker reads the two characters \t and \n typed in a shell's single quotes as a tab and a newline.
  const body = (table ? format.replace(/^table\s*/, '') : format).replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const template = compileTemplate(body);
  if (!table) return items.map((i) => `${template.execute(i)}\n`).join('');
  if (body === '') return '';
  // Docker's header names each column after its field: {{.ID}} is "CONTAINER ID", {{.Names}} is "NAMES".
  const header = body.split('\t').map((cell) => cell.replace(/\{\{-?\s*\.(\w+)[^}]*\}\}/g, (_m, f: string) => headers[f] ?? f.toUpperCase()));
  return formatTable([header, ...items.map((i) => template.execute(i).split('\t'))]);
}
