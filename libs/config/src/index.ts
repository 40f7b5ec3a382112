export * from './app-config.module';
export * from './archive-store';
export * from './auth';
export * from './config-error';
export * from './env-types';
export * from './load-config';
export * from './sections';
export * from './load-config-or-exit';
