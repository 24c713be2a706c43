import type { Logger } from '../observability/logger.js';

/**
 * A test hook, off unless SAGA_TEST_PAUSE_AT names a point (and refused in production): the
 * crash tests run the service as a process, let a saga reach a named point, and SIGKILL it
 * there (docs/crash-matrix.md). Points are `stored` (the order and its saga committed, before
 * any peer call), `claimed` (a cancel or fail saga stored, holding its order), and for each step
 * `before:<step>` (nothing sent yet), `after:<step>` (the peer answered, nothing recorded) and
 * `recorded:<step>` (after the write the step caused, if it caused one), where <step> is
 * decrease-stock, increase-stock, charge, refund, mark-paid or finish.
 */
export type PausePoint = (point: string, orderId: number) => Promise<void>;

export function pausePoint(pauseAt: string | undefined, logger: Logger): PausePoint | undefined {
  if (pauseAt === undefined) return undefined;
  return (point, orderId) => {
    if (point.replace(/:\d+$/, '') !== pauseAt) return Promise.resolve();
    // One line on stdout the test waits for; then never go on.
    process.stdout.write(`SAGA_PAUSED point=${pauseAt} order=${orderId}\n`);
    logger.warn('saga paused by SAGA_TEST_PAUSE_AT', { point, orderId });
    return new Promise<void>(() => undefined);
  };
}
