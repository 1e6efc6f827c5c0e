#!/usr/bin/env node
// bench/footprint (run.ts), compiled on the fly by bench/lib/launch.mjs. See README.md.
import { launch } from '../lib/launch.mjs';

await launch(new URL('./run.ts', import.meta.url));
