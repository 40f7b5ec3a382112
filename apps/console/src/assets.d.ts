/** Style sheets are bundled by esbuild into the one CSS file of the build. */
declare module '*.css';
