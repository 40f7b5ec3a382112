/**
 * AUTH_MODE has no default: every service refuses to start without it, and
 * AUTH_MODE=none refuses a listen host other than loopback. Each refusal is one
 * line naming the variable, exit code 78 (EX_CONFIG).
 */
import { spawnSync } from 'node:child_process';
import { entryPoint, ServiceName } from '../support/service-process';
import { isolatedEnv } from '../support/test-env';

const HOST_VARIABLE: Record<ServiceName, string> = {
  command: 'COMMAND_HOST',
  projector: 'PROJECTOR_HOST',
  realtime: 'REALTIME_HOST',
  archiver: 'ARCHIVER_HOST',
  dispatcher: 'DISPATCHER_HOST',
};

function start(service: ServiceName, env: Record<string, string | undefined>) {
  const merged: Record<string, string | undefined> = { ...process.env, ...isolatedEnv('auth-mode'), ...env };
  const result = spawnSync(process.execPath, [entryPoint(service)], { env: merged, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stderr: result.stderr };
}

describe.each(Object.keys(HOST_VARIABLE) as ServiceName[])('%s', (service) => {
  it('refuses to start when AUTH_MODE is unset: exit 78 and one line naming AUTH_MODE and its values', () => {
    const { code, stderr } = start(service, { AUTH_MODE: undefined });
    expect(code).toBe(78);
    expect(stderr).toMatch(/^Invalid configuration: AUTH_MODE: must be on .* or none .* \(it is not set\)\n$/);
  });

  it('refuses AUTH_MODE=none on a non-loopback host: exit 78 and one line naming the host variable', () => {
    const host = HOST_VARIABLE[service];
    const { code, stderr } = start(service, { AUTH_MODE: 'none', [host]: '0.0.0.0' });
    expect(code).toBe(78);
    expect(stderr).toBe(
      `Invalid configuration: ${host}: must be a loopback host (127.0.0.1, ::1, localhost) when AUTH_MODE=none (got "0.0.0.0")\n`,
    );
  });
});
