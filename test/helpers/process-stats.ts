// /proc readings: one implementation, in the bench kit
export { peakRssMiB } from '../../bench/lib/proc.js';
