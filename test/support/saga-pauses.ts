/**
 * An in-process controller for `ServiceRuntime.sagaTestPause`: a test holds one saga at one named
 * point, waits until it is there, does something, and releases it. Every other (point, order) goes
 * on at once, and a point no hold names simply passes.
 *
 * Point names drop a trailing product id (`increase-stock:42` → `increase-stock`), so a hold works
 * against both the per-product step names and the plain ones.
 */

/** The order a hold catches: one id, or whichever order first reaches the point. */
export type HoldTarget = number | 'next';

export type Hold = {
  /** Resolves with the order id once its saga waits at the point. */
  reached: Promise<number>;
  /** Lets the saga go on; safe to call more than once, and before the point is reached. */
  release(): void;
  /** `reached`, or a failure naming the point when no saga gets there within `ms`. */
  untilReached(ms: number): Promise<number>;
};

export type SagaPauses = {
  /** Pass as `sagaTestPause` to useTestService / startTestService. */
  hook: (point: string, orderId: number) => Promise<void>;
  hold(target: HoldTarget, point: string): Hold;
  /** Releases every hold: call in afterEach so no saga waits forever. */
  releaseAll(): void;
};

type Entry = {
  target: HoldTarget;
  point: string;
  isCaught: boolean;
  caught(orderId: number): void;
  gate: Promise<void>;
  release: () => void;
};

export const pointName = (point: string): string => point.replace(/:\d+$/, '');

export function sagaPauses(): SagaPauses {
  const holds = new Set<Entry>();

  return {
    hook(point, orderId) {
      const name = pointName(point);
      for (const entry of holds) {
        if (entry.isCaught || entry.point !== name) continue;
        if (entry.target !== 'next' && entry.target !== orderId) continue;
        entry.isCaught = true;
        entry.caught(orderId);
        return entry.gate;
      }
      return Promise.resolve();
    },

    hold(target, point) {
      let caught = (_orderId: number): void => undefined;
      const reached = new Promise<number>((resolve) => (caught = resolve));
      let open = (): void => undefined;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const entry: Entry = {
        target,
        point,
        isCaught: false,
        caught: (orderId) => {
          caught(orderId);
        },
        gate,
        release: () => {
          holds.delete(entry);
          open();
        },
      };
      holds.add(entry);
      return {
        reached,
        release: entry.release,
        async untilReached(ms) {
          let timer: NodeJS.Timeout | undefined;
          const target = entry.target === 'next' ? 'any order' : `order ${entry.target}`;
          const timeout = new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => {
              reject(
                new Error(
                  `no saga of ${target} reached pause point "${point}" within ${ms} ms ` +
                    '(the saga has no such point, or passed it without calling sagaTestPause)',
                ),
              );
            }, ms);
          });
          try {
            return await Promise.race([reached, timeout]);
          } finally {
            clearTimeout(timer);
          }
        },
      };
    },

    releaseAll() {
      for (const entry of holds) entry.release();
    },
  };
}

/** `promise`, or a failure with `message` when it has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${message} (no answer within ${ms} ms)`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
