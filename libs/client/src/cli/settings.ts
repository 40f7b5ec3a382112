import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './exit-codes';

/** Where the CLI sends requests and with which credential. */
export interface Settings {
  url: string;
  realtimeUrl?: string;
  token?: string;
}

export interface SettingFlags {
  url?: string;
  realtimeUrl?: string;
  token?: string;
  profile?: string;
}

interface ProfileFile {
  url?: string;
  realtime_url?: string;
  token?: string;
  profiles?: Record<string, { url?: string; realtime_url?: string; token?: string }>;
}

/** `THREADLINE_CONFIG`, else ~/.config/threadline/config.json. */
export function profilePath(env: NodeJS.ProcessEnv): string {
  return env.THREADLINE_CONFIG ?? join(homedir(), '.config', 'threadline', 'config.json');
}

function readProfile(path: string, name: string | undefined): { url?: string; realtime_url?: string; token?: string } {
  let file: ProfileFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as ProfileFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && name === undefined) {
      return {};
    }
    throw new UsageError(`cannot read the profile file ${path}: ${(error as Error).message}`);
  }
  if (name === undefined) {
    return file;
  }
  const profile = file.profiles?.[name];
  if (profile === undefined) {
    throw new UsageError(`no profile "${name}" in ${path}`);
  }
  return profile;
}

/** Flags win over the environment (THREADLINE_URL, THREADLINE_REALTIME_URL, THREADLINE_TOKEN), which wins over the profile file. */
export function resolveSettings(flags: SettingFlags, env: NodeJS.ProcessEnv): Settings {
  const profile = readProfile(profilePath(env), flags.profile ?? env.THREADLINE_PROFILE);
  const url = flags.url ?? env.THREADLINE_URL ?? profile.url ?? 'http://127.0.0.1:4000';
  return {
    url,
    realtimeUrl: flags.realtimeUrl ?? env.THREADLINE_REALTIME_URL ?? profile.realtime_url,
    token: flags.token ?? env.THREADLINE_TOKEN ?? profile.token,
  };
}
