import { z } from 'zod';
import { startSandbox } from './start-sandbox.js';

const port = z.coerce.number().pipe(z.int().min(0).max(65535));
const environment = z
  .object({
    SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
    PRODUCT_PORT: port.default(3001),
    PAYMENT_PORT: port.default(3002),
    NOTIFICATION_PORT: port.default(3003),
  })
  .parse(process.env);

const sandbox = await startSandbox({
  host: environment.SANDBOX_HOST,
  productPort: environment.PRODUCT_PORT,
  paymentPort: environment.PAYMENT_PORT,
  notificationPort: environment.NOTIFICATION_PORT,
  log: (line) => {
    console.log(line);
  },
});
console.log(`product service      ${sandbox.productUrl}`);
console.log(`payment service      ${sandbox.paymentUrl}`);
console.log(`notification service ${sandbox.notificationUrl}`);

async function shutDown(signal: string): Promise<void> {
  console.log(`${signal}: closing the sandbox`);
  await sandbox.close();
  process.exit(0);
}
process.once('SIGINT', (signal) => void shutDown(signal));
process.once('SIGTERM', (signal) => void shutDown(signal));
