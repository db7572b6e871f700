/** The worker entry in Node (worker_threads). */
import { parentPort } from 'node:worker_threads';
import { createWorkerHandler } from './worker-core.js';
import type { ToWorker } from './messages.js';

const port = parentPort!;
const handle = createWorkerHandler((message) => port.postMessage(message));
port.on('message', (message: ToWorker) => handle(message));
