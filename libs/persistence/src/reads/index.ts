export * from './conversation-head-reader';
export * from './message-log-reader';
export * from './message-sql-row';
export * from './message-view';
