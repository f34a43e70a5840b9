// Worker entry used when kmirror runs from its TypeScript sources (tests, `tsx`): registers tsx
// in this worker thread, then loads the real worker. From dist/, shard-worker.js is used directly.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./shard-worker.ts');
export default worker.default;
