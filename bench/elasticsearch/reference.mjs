#!/usr/bin/env node
// bench/elasticsearch's reference client (reference.ts), compiled on the fly by bench/lib/launch.mjs. See README.md.
import { launch } from '../lib/launch.mjs';

await launch(new URL('./reference.ts', import.meta.url));
