import { SetMetadata } from '@nestjs/common';

export const CREDENTIAL_QUERY_PARAM = 'threadline:credential-query-param';

/**
 * Query parameters that may carry a credential: `access_token` for streams a browser
 * opens with EventSource or WebSocket (they cannot set headers), `token` for the
 * Phoenix socket (its clients send connect params in the query).
 */
export type CredentialQueryParam = 'access_token' | 'token';

/** Lets a stream route take its credential from `?<param>=` when no Authorization header is sent. */
export const AcceptsQueryCredential = (param: CredentialQueryParam): MethodDecorator & ClassDecorator =>
  SetMetadata(CREDENTIAL_QUERY_PARAM, param);
