export * from './run-view';
export * from './runs-reader';
