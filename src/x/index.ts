/** The project's X client: the only module that imports twitter-api-v2. */
export * from './types';
export * from './config';
export * from './client';
export * from './errors';
export * from './backoff';
export * from './lookup';
export * from './rules';
export * from './stream';
