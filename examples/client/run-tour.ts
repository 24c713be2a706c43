// README.md's "A tour" through the typed client, against a running service (`npm start`):
//   export TOKEN=$(npm run -s token -- --user 42) ADMIN=$(npm run -s token -- --user 1 --role admin)
//   npx tsx examples/client/run-tour.ts
// BASE is the service's base URL (http://localhost:3004). Prints each answer's status and body.
import { orderClient } from './order-client.js';
import { tour } from './tour.js';

const { BASE: base = 'http://localhost:3004', TOKEN: token, ADMIN: adminToken } = process.env;
if (token === undefined || adminToken === undefined) {
  console.error('run-tour: set TOKEN (a user) and ADMIN (an admin) to tokens from `npm run token`');
  process.exit(2);
}

const answers = await tour({
  user: orderClient(base, token),
  admin: orderClient(base, adminToken),
});
for (const [step, { response, data, error }] of Object.entries(answers)) {
  console.log(`${String(response.status)} ${step}: ${JSON.stringify(data ?? error)}`);
}
