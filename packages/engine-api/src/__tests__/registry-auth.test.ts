import { registryAuth } from '../registry-auth';

const encode = (v: unknown, enc: BufferEncoding = 'base64url') => Buffer.from(JSON.stringify(v)).toString(enc);

describe('registryAuth (X-Registry-Auth)', () => {
  it('reads username and password from base64url or standard base64 JSON', () => {
    const auth = { username: 'alice', password: 's3cret?>>', serveraddress: '127.0.0.1:5000' };
    expect(registryAuth(encode(auth))).toEqual({ username: 'alice', password: 's3cret?>>' });
    expect(registryAuth(encode(auth, 'base64'))).toEqual({ username: 'alice', password: 's3cret?>>' });
  });

  it('no header, an empty one or {} (the docker CLI without a login) is none', () => {
    expect(registryAuth(undefined)).toBeUndefined();
    expect(registryAuth('')).toBeUndefined();
    expect(registryAuth(encode({}))).toBeUndefined();
    expect(registryAuth(['a', 'b'])).toBeUndefined();
  });

  it('garbage, a non-object and an identity token are 400 with a sentence', () => {
    expect(() => registryAuth('%%%not-json')).toThrow(expect.objectContaining({ status: 400, message: expect.stringMatching(/base64url-encoded JSON/) }));
    expect(() => registryAuth(encode([1]))).toThrow(/JSON object/);
    expect(() => registryAuth(encode({ identitytoken: 'tok' }))).toThrow(
      expect.objectContaining({ status: 400, message: expect.stringMatching(/identity token/) }),
    );
  });
});
