const baseDelayMs = 1_000;
const maxDelayMs = 60_000;

/**
 * Delay before the next background try: 1 s doubling to a minute, with "equal jitter" (half
 * fixed, half random) so replicas retrying the same peer spread out.
 */
export function backoffDelayMs(attempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
