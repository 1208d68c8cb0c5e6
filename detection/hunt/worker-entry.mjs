// Worker bootstrap: worker threads do not inherit the TypeScript loader, so register tsx here
// (works under `node bin/vigil.js`, `node --import tsx` and vitest alike), then load the worker.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./worker.ts', import.meta.url).href);
