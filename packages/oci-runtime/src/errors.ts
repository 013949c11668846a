/** A refusal or failure of mydocker-oci: one sentence, exit 1 (runc's code for every error). */
export class OciError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
