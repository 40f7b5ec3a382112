export * from './conversation-head-reader';
export * from './conversation-list-reader';
export * from './message-log-reader';
export * from './message-sql-row';
export * from './message-view';
