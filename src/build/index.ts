/** The builder's public surface: the pure front half (Dockerfile → typed stages; build context → files + checksums). */
export * from './dockerfile/index.ts';
export * from './context/index.ts';
