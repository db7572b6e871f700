/** What the A/B benches print beside their figures: the median they quote and the machine's load. */
import { loadavg } from 'node:os';

/** The middle of the sorted times (the upper one of two for an even count), as the A/B tables quote. */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** "load 1.07, 1.25, 2.46": the 1, 5 and 15 minute load averages, to quote with each figure. */
export function loadAverage(): string {
  return `load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`;
}
