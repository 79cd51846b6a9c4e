// Preloaded into a process under test (NODE_OPTIONS="--expose-gc --require <this file>"): SIGUSR2
// runs a full garbage collection, so a test can compare the memory a process keeps, not its garbage.
process.on('SIGUSR2', () => {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
});
