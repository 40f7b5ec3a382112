export * from './event-message-mapping';
