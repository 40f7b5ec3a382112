import { z } from 'zod';
import { commonEnv, envPort, kafkaConfig, kafkaEnv } from '@threadline/config';

export const archiverConfigSchema = z
  .object({
    ...commonEnv,
    ...kafkaEnv,
    ARCHIVER_HOST: z.string().min(1).default('127.0.0.1'),
    ARCHIVER_PORT: envPort(4003),
  })
  .transform((env) => ({
    service: 'archiver' as const,
    logLevel: env.LOG_LEVEL,
    http: { host: env.ARCHIVER_HOST, port: env.ARCHIVER_PORT },
    kafka: kafkaConfig(env, 'threadline-archiver'),
  }));

export type ArchiverConfig = z.output<typeof archiverConfigSchema>;
