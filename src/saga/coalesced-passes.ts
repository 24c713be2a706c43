import { detached } from '../observability/tracing-spans.js';

/**
 * One background pass at a time, for the relays: `kick` starts `pass` unless one runs; a kick
 * during a pass makes it go round once more, so work queued meanwhile never waits for the next
 * kick. A pass runs outside the trace of whichever request kicked it (each delivery starts its
 * own). A pass that throws is handed to `onError`; the next kick starts afresh.
 */
export function coalescedPasses(pass: () => Promise<void>, onError: (error: unknown) => void) {
  let running: Promise<void> | undefined;
  let again = false;
  const isKickedAgain = (): boolean => again;

  function kick(): Promise<void> {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = detached(async () => {
      try {
        do {
          again = false;
          await pass();
        } while (isKickedAgain());
      } catch (error) {
        onError(error);
      } finally {
        running = undefined;
      }
    });
    return running;
  }

  return { kick, idle: (): Promise<void> => running ?? Promise.resolve() };
}
