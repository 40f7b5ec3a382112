import { z } from 'zod';
import { envBool, envInt } from './env-types';

/**
 * Where archive segments live. The archiver writes there; the command service
 * and realtime read through it for seqs retention has trimmed from Postgres, so
 * all three take the same variables.
 */
export const archiveStoreEnv = {
  /** `fs` (a directory, the default) or `s3` (any S3-compatible object store). */
  ARCHIVE_BACKEND: z.enum(['fs', 's3']).default('fs'),
  /** Root directory of the filesystem backend, resolved from the working directory. */
  ARCHIVE_DIR: z.string().min(1).default('.data/archive'),
  ARCHIVE_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name (3-63 of [a-z0-9.-])')
    .optional(),
  /** Key prefix inside the bucket, e.g. `threadline/prod/`; empty for the bucket root. */
  ARCHIVE_S3_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9._-]+\/)*$/, 'expected path segments of [A-Za-z0-9._-] each ending with /')
    .default(''),
  /** Endpoint of an S3-compatible store (S3Proxy, MinIO, ...); unset for AWS S3. */
  ARCHIVE_S3_ENDPOINT: z
    .string()
    .refine(
      (s) => {
        try {
          return ['http:', 'https:'].includes(new URL(s).protocol);
        } catch {
          return false;
        }
      },
      { message: 'expected an http:// or https:// URL' },
    )
    .optional(),
  ARCHIVE_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Path-style addressing (`endpoint/bucket/key`), which most self-hosted stores need. */
  ARCHIVE_S3_FORCE_PATH_STYLE: envBool(false),
  /** Static credentials; when unset the AWS SDK's default chain (environment, profile, IAM role) applies. */
  ARCHIVE_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  ARCHIVE_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Decompressed segments each reading process (command, realtime) keeps in memory; 0 turns the cache off. */
  ARCHIVE_READ_CACHE_BYTES: envInt(64 * 1024 * 1024, 0, 16 * 1024 * 1024 * 1024),
};

type ArchiveStoreEnv = z.output<z.ZodObject<typeof archiveStoreEnv>>;

export interface S3StoreConfig {
  backend: 's3';
  bucket: string;
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export type ArchiveStoreConfig = ({ backend: 'fs'; dir: string } | S3StoreConfig) & { readCacheBytes: number };

/** Cross-field rules of the archive store variables; add with `.superRefine(checkArchiveStoreEnv)`. */
export function checkArchiveStoreEnv(env: ArchiveStoreEnv, ctx: z.RefinementCtx): void {
  if (env.ARCHIVE_BACKEND === 's3' && env.ARCHIVE_S3_BUCKET === undefined) {
    ctx.addIssue({ code: 'custom', path: ['ARCHIVE_S3_BUCKET'], message: 'required when ARCHIVE_BACKEND=s3' });
  }
  if ((env.ARCHIVE_S3_ACCESS_KEY_ID === undefined) !== (env.ARCHIVE_S3_SECRET_ACCESS_KEY === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['ARCHIVE_S3_SECRET_ACCESS_KEY'],
      message: 'ARCHIVE_S3_ACCESS_KEY_ID and ARCHIVE_S3_SECRET_ACCESS_KEY go together',
    });
  }
}

export function archiveStoreConfig(env: ArchiveStoreEnv): ArchiveStoreConfig {
  if (env.ARCHIVE_BACKEND === 'fs') {
    return { backend: 'fs', dir: env.ARCHIVE_DIR, readCacheBytes: env.ARCHIVE_READ_CACHE_BYTES };
  }
  return {
    backend: 's3',
    readCacheBytes: env.ARCHIVE_READ_CACHE_BYTES,
    bucket: env.ARCHIVE_S3_BUCKET ?? '',
    prefix: env.ARCHIVE_S3_PREFIX,
    endpoint: env.ARCHIVE_S3_ENDPOINT,
    region: env.ARCHIVE_S3_REGION,
    forcePathStyle: env.ARCHIVE_S3_FORCE_PATH_STYLE,
    credentials:
      env.ARCHIVE_S3_ACCESS_KEY_ID !== undefined && env.ARCHIVE_S3_SECRET_ACCESS_KEY !== undefined
        ? { accessKeyId: env.ARCHIVE_S3_ACCESS_KEY_ID, secretAccessKey: env.ARCHIVE_S3_SECRET_ACCESS_KEY }
        : undefined,
  };
}
