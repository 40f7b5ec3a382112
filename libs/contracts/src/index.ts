export * from './conversation-id';
export * from './event-codec';
export * from './event-envelope';
export * from './json-schema';
export * from './message.schema';
export * from './storable-json';
export * from './poison-record';
