export * from './run-event.schema';
export * from './run-record.schema';
export * from './run-record-plan';
export * from './run-record-codec';
export * from './run-fold';
