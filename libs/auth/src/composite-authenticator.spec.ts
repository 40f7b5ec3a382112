import { ApiError } from '@threadline/errors';
import { Authenticator } from './authenticator';
import { CompositeAuthenticator } from './composite-authenticator';
import { Principal } from './principal';

class Named extends Authenticator {
  constructor(private readonly name: string) {
    super();
  }

  authenticate(): Promise<Principal> {
    return Promise.resolve({ tenantId: 'acme', subject: `service:${this.name}`, scopes: new Set() });
  }
}

const subjectFor = (authenticator: Authenticator, credential: string | undefined) =>
  authenticator.authenticate(credential).then(
    (principal) => principal.subject,
    (error: ApiError) => `${error.status} ${error.headers['WWW-Authenticate']}`,
  );

describe('CompositeAuthenticator', () => {
  const both = new CompositeAuthenticator(new Named('api-key'), new Named('jwt'));
  const keysOnly = new CompositeAuthenticator(new Named('api-key'), undefined);

  it('sends tl_ credentials to the API keys and anything else to the JWT check', async () => {
    expect(await subjectFor(both, 'tl_abc')).toBe('service:api-key');
    expect(await subjectFor(both, 'eyJhbGciOi.x.y')).toBe('service:jwt');
  });

  it('refuses JWTs when no identity provider is configured', async () => {
    expect(await subjectFor(keysOnly, 'eyJhbGciOi.x.y')).toBe('401 Bearer error="invalid_token"');
  });

  it('answers a request without a credential with a plain Bearer challenge', async () => {
    expect(await subjectFor(both, undefined)).toBe('401 Bearer');
  });
});
