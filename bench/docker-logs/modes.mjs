#!/usr/bin/env node
// bench/docker-logs/modes.ts, compiled on the fly by bench/lib/launch.mjs. See README.md ("modes").
import { launch } from '../lib/launch.mjs';

await launch(new URL('./modes.ts', import.meta.url));
