// Entry `kalloc/node`: helpers that need Node (worker threads, files). Everything else is in the
// browser-safe main entry `kalloc`.
export { spawnWorker, firstMessage } from './node/spawn.ts';
export { openTrace, type OpenedTrace } from './node/open-trace.ts';
export { writeKallocTrace } from './node/kalloc-trace-file.ts';
