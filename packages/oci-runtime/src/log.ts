import { appendFileSync } from 'node:fs';

/** runc's --log / --log-format: logrus lines, text or JSON; errors also go to stderr. */
export class RuntimeLog {
  constructor(
    private readonly file: string | undefined,
    private readonly format: 'text' | 'json',
    private readonly debugOn: boolean,
  ) {}

  private write(level: string, msg: string): void {
    if (!this.file) return;
    const time = new Date().toISOString();
    const line = this.format === 'json' ? JSON.stringify({ level, msg, time }) : `time="${time}" level=${level} msg=${JSON.stringify(msg)}`;
    try {
      appendFileSync(this.file, `${line}\n`);
    } catch {
      // The log is best effort: the message still reaches stderr.
    }
  }

  error(msg: string): void {
    this.write('error', msg);
    process.stderr.write(`mydocker-oci: ${msg}\n`);
  }

  warn(msg: string): void {
    this.write('warning', msg);
    if (!this.file) process.stderr.write(`mydocker-oci: warning: ${msg}\n`);
  }

  debug(msg: string): void {
    if (!this.debugOn) return;
    this.write('debug', msg);
    if (!this.file) process.stderr.write(`mydocker-oci: debug: ${msg}\n`);
  }
}
