/* Runtime imports stay inside this lib (types only from @threadline/contracts): test/support/global-setup loads it without path aliases. */
export * from './archive-reader';
export * from './archived-message';
export * from './filesystem-object-store';
export * from './object-store';
export * from './segment-format';
