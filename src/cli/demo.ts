#!/usr/bin/env node
// `npm run demo`: the demo of run-demo.ts. Only a script: nothing imports it, so it needs no
// check of whether it is the file node was started with.
import { runDemo } from './run-demo.js';

await runDemo();
