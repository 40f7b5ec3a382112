export * from './api-error';
export * from './api-exception.filter';
export * from './unavailable-store';
export * from './errors.module';
