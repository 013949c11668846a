import { schemaErrors } from './docker-schema';

/**
 * The schema check itself (no service): the JSON Schemas made from docker-types' generated 1.41 models
 * accept a well-formed body and reject wrong ones, so the checks in the engine-api e2e files can fail.
 */
describe("Engine API: Docker's 1.41 schemas", () => {
  it('accepts a conforming body and extra fields a newer API version adds', () => {
    expect(schemaErrors('ContainerWaitResponse', { StatusCode: 0, AddedLater: true })).toEqual([]);
    const volume = { Name: 'v', Driver: 'local', Mountpoint: '/x', Labels: {}, Scope: 'local', Options: {} };
    expect(schemaErrors('Volume', volume)).toEqual([]);
    // null reads as absent (Docker's daemon writes null for unset slices its swagger types as arrays).
    expect(schemaErrors('HostConfig', { Binds: null, CapAdd: null, LogConfig: { Type: 'k8s-file' } })).toEqual([]);
  });

  it('rejects a missing required field, a wrong type and a wrong enum value, naming each', () => {
    expect(schemaErrors('ContainerWaitResponse', {})).toEqual([expect.stringMatching(/StatusCode/)]);
    expect(schemaErrors('ContainerWaitResponse', { StatusCode: null })).toEqual([expect.stringMatching(/StatusCode/)]);
    expect(schemaErrors('HostConfig', { Binds: '/a:/b' })).toEqual([expect.stringMatching(/^HostConfig\/Binds must be array/)]);
    expect(schemaErrors('ContainerSummary', { Id: 'x', Names: '/web' })).toEqual([expect.stringMatching(/^ContainerSummary\/Names must be array/)]);
    const volume = { Name: 'v', Driver: 'local', Mountpoint: '/x', Labels: {}, Scope: 'nowhere', Options: {} };
    expect(schemaErrors('Volume', volume)).toEqual([expect.stringMatching(/\/Scope must be equal to one of the allowed values/)]);
    // A nested generated model inside a composite answer: State.Pid must be a number.
    expect(schemaErrors('ContainerInspectResponse', { Id: 'x', State: { Pid: 'one' } })).toContainEqual(
      expect.stringMatching(/\/State\/Pid must be integer|\/State\/Pid must be number/),
    );
  });
});
