// The real shipper process: one implementation for the tests and the benchmarks, in the bench kit
export { LOGSHIP_BIN, REPO_ROOT, Shipper, tempDir } from '../../bench/lib/shipper.js';
