import { Principal } from './principal';

/** Turns the bearer credential of a request (absent when none was sent) into a principal, or throws ApiError 401. */
export abstract class Authenticator {
  abstract authenticate(credential: string | undefined): Promise<Principal>;
}

/** AUTH_MODE=none: everyone is the anonymous principal of the default tenant. */
export class NoAuthAuthenticator extends Authenticator {
  constructor(private readonly principal: Principal) {
    super();
  }

  authenticate(): Promise<Principal> {
    return Promise.resolve(this.principal);
  }
}
