export * from './inbox-cursor';
export * from './inbox-entry';
export * from './inbox-reader';
export * from './read-cursor-channel';
