import { API_KEY_PREFIX } from './api-keys/api-key-format';
import { Authenticator } from './authenticator';
import { Principal } from './principal';
import { unauthorized } from './unauthorized';

/** AUTH_MODE=on: an API key (`tl_...`), or a JWT when an identity provider is configured. */
export class CompositeAuthenticator extends Authenticator {
  constructor(
    private readonly apiKeys: Authenticator,
    private readonly jwt: Authenticator | undefined,
  ) {
    super();
  }

  authenticate(credential: string | undefined): Promise<Principal> {
    if (credential === undefined) {
      return Promise.reject(unauthorized('No credential: send Authorization: Bearer <token>', false));
    }
    if (credential.startsWith(API_KEY_PREFIX)) {
      return this.apiKeys.authenticate(credential);
    }
    if (this.jwt === undefined) {
      return Promise.reject(unauthorized('Only API keys (tl_...) are accepted here', true));
    }
    return this.jwt.authenticate(credential);
  }
}
