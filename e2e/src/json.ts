/**
 * What a test gets from JSON.parse of the engine's output (`inspect`, `container-record`, registry
 * manifests): the test asserts its shape field by field, so a typed model would only restate the
 * assertions. Named once here instead of `any` in every file.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed output whose shape the test itself asserts
export type ParsedJson = Record<string, any>;
