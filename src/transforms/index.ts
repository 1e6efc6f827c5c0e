import type { TransformDefinition } from '../plugins/types.js';
import { dedotTransform } from './dedot/index.js';
import { grepTransform } from './grep/index.js';
import { jsonParserTransform } from './json/index.js';
import { logfmtParserTransform } from './logfmt/index.js';
import { modifyTransform } from './modify/index.js';
import { multilineTransform } from './multiline/index.js';
import { regexParserTransform } from './regex/index.js';
import { retagTransform } from './retag/index.js';
import { sampleTransform } from './sample/index.js';
import { throttleTransform } from './throttle/index.js';

export const transformDefinitions: readonly TransformDefinition[] = [
  jsonParserTransform,
  regexParserTransform,
  logfmtParserTransform,
  multilineTransform,
  grepTransform,
  modifyTransform,
  dedotTransform,
  retagTransform,
  throttleTransform,
  sampleTransform,
];
