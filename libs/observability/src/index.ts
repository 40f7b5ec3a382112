export * from './metrics.service';
export * from './observability.module';
export * from './observability.options';
export * from './readiness.service';
export * from './bootstrap-service';
export * from './periodic-task';
export * from './periodic-job';
export * from './request-id';
