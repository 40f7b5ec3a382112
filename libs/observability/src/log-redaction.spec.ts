import { redactUrlSecrets } from './log-redaction';

describe('redactUrlSecrets', () => {
  it.each([
    [
      '/v1/conversations/c1/stream?access_token=eyJ.secret.sig&cursor=3',
      '/v1/conversations/c1/stream?access_token=[redacted]&cursor=3',
    ],
    ['/socket/websocket?vsn=2.0.0&token=tl_secret', '/socket/websocket?vsn=2.0.0&token=[redacted]'],
    ['/socket/websocket?%74oken=tl_secret', '/socket/websocket?%74oken=[redacted]'],
    ['/v1/conversations/c1/messages?after=3', '/v1/conversations/c1/messages?after=3'],
    ['/health/ready', '/health/ready'],
  ])('writes %s to the log as %s', (url, logged) => {
    expect(redactUrlSecrets(url)).toBe(logged);
  });
});
