#!/usr/bin/env node
// The kit's `_bulk` reference on an NDJSON file (bulk-file.ts), compiled on the fly by launch.mjs.
import { launch } from './launch.mjs';

await launch(new URL('./bulk-file.ts', import.meta.url));
