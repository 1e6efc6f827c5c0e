import { runPipelineTests } from '../testing/pipeline-test.js';

/** `logship test FILE...`: exit 0 when every case passes, 1 when one fails (config errors: 2, from main). */
export function testCommand(files: string[], print: (line: string) => void): number {
  let failed = 0;
  let passed = 0;
  for (const file of files) {
    for (const result of runPipelineTests(file)) {
      if (result.passed) {
        passed += 1;
        print(`ok   ${file}: ${result.name}`);
      } else {
        failed += 1;
        print(`FAIL ${file}: ${result.name}`);
        for (const line of result.diff) print(`     ${line}`);
      }
    }
  }
  print(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}
