/**
 * The sandbox peers in their own process for the bench: like sandbox/main.ts but without a log
 * line per request (that would cost the peers CPU the systems under test then lack). Prints one
 * JSON line with the three URLs once listening; closes on SIGTERM.
 *
 *   node --import tsx bench/sandbox-process.ts
 */
import { startSandbox } from '../sandbox/start-sandbox.js';

const sandbox = await startSandbox({ host: '127.0.0.1' });
process.stdout.write(
  `${JSON.stringify({
    productUrl: sandbox.productUrl,
    paymentUrl: sandbox.paymentUrl,
    notificationUrl: sandbox.notificationUrl,
  })}\n`,
);

async function shutDown(): Promise<void> {
  await sandbox.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutDown());
process.once('SIGTERM', () => void shutDown());
