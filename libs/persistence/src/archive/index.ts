/* Runtime imports stay inside this lib (types only from @threadline/contracts and @threadline/config): test/support/global-setup loads it without path aliases. */
export * from './archive-reader';
export * from './archive-store.module';
export * from './archived-message';
export * from './filesystem-object-store';
export * from './object-store';
export * from './open-object-store';
export * from './s3-object-store';
export * from './segment-cache';
export * from './segment-format';
